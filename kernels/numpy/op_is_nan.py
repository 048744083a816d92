"""IsNaN: True where x is NaN."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array


@kernel("IsNaN", since=9)
def is_nan(x):
    return as_array(np.isnan(x))
