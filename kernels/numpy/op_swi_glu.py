"""SwiGLU: Swish_alpha(A) * B = A * sigmoid(alpha * A) * B, for A and B of one shape (no
broadcasting); float16/bfloat16 compute in float32."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array, narrow, scratch, widen


@kernel("SwiGLU", since=28)
@np.errstate(over="ignore")  # exp(-alpha * a) overflows to inf for very negative a, giving the right 0
def swi_glu(a, b, *, alpha=1.0):
    if a.shape != b.shape:
        raise ValueError(f"SwiGLU: A {a.shape} and B {b.shape} must have the same shape")
    aw = widen(a)
    y = scratch(np.multiply(aw, -alpha, dtype=aw.dtype))
    np.exp(y, out=y)
    y += 1
    np.divide(aw, y, out=y)
    y *= widen(b)
    return as_array(narrow(y, a.dtype))
