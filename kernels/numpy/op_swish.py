"""Swish: x * sigmoid(alpha * x) (SiLU for alpha = 1); float16/bfloat16 compute in float32."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array, narrow, scratch, widen


@kernel("Swish", since=24)
@np.errstate(over="ignore")  # exp(-alpha * x) overflows to inf for very negative x, giving the right 0
def swish(x, *, alpha=1.0):
    xw = widen(x)
    y = scratch(np.multiply(xw, -alpha, dtype=xw.dtype))
    np.exp(y, out=y)
    y += 1
    np.divide(xw, y, out=y)
    return as_array(narrow(y, x.dtype))
