"""Sign: -1, 0 or 1 by the sign of x, elementwise (NaN stays NaN)."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array


@kernel("Sign", since=9)
def sign(x):
    return as_array(np.sign(x))
