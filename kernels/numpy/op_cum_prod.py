"""CumProd: running products along an axis; exclusive leaves each element out of its own product,
reverse runs from the end."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array, narrow, widen
from ._tensor_util import normalize_axis


@kernel("CumProd", since=26)
def cum_prod(x, axis, *, exclusive=0, reverse=0):
    a = np.asarray(axis)
    if a.size != 1:
        raise ValueError(f"CumProd: axis must be a scalar, got shape {a.shape}")
    if x.ndim == 0:
        raise ValueError("CumProd: the input must have rank >= 1")
    ax = normalize_axis(int(a.reshape(())), x.ndim, "CumProd axis")
    xw = widen(x)  # float16/bfloat16 multiply in float32, rounded once at the end
    src = np.flip(xw, ax) if reverse else xw
    y = np.cumprod(src, axis=ax, dtype=xw.dtype)
    if exclusive:
        shifted = np.ones_like(y)
        head = (slice(None),) * ax
        shifted[head + (slice(1, None),)] = y[head + (slice(None, -1),)]
        y = shifted
    y = np.flip(y, ax) if reverse else y
    return as_array(narrow(y, x.dtype))
