"""Celu: max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array, narrow, scratch, widen


@kernel("Celu", since=12)
def celu(x, *, alpha=1.0):
    xw = widen(x)
    y = scratch(np.minimum(xw, 0))  # exp of min(x, 0) rather than of x: same result, cannot overflow
    y /= alpha
    np.expm1(y, out=y)
    y *= alpha
    y += np.maximum(xw, 0)
    return as_array(narrow(y, x.dtype))
