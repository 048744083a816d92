"""IsNaN: True where x is NaN."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel


@kernel("IsNaN", since=9)
def is_nan(x):
    return np.asarray(np.isnan(x))
