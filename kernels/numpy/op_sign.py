"""Sign: -1, 0 or 1 by the sign of x, elementwise (NaN stays NaN)."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel


@kernel("Sign", since=9)
def sign(x):
    return np.asarray(np.sign(x))
