"""CumSum: running sums along an axis; exclusive leaves each element out of its own sum,
reverse runs from the end."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._reduce_util import normalize_axis


@kernel("CumSum", since=11)
def cum_sum(x, axis, *, exclusive=0, reverse=0):
    a = np.asarray(axis)
    if a.size != 1:
        raise ValueError(f"CumSum: axis must be a scalar, got shape {a.shape}")
    ax = normalize_axis(int(a.reshape(())), x.ndim, "CumSum")
    src = np.flip(x, ax) if reverse else x
    y = np.cumsum(src, axis=ax, dtype=x.dtype)
    if exclusive:
        shifted = np.zeros_like(y)
        head = (slice(None),) * ax
        shifted[head + (slice(1, None),)] = y[head + (slice(None, -1),)]
        y = shifted
    return np.flip(y, ax) if reverse else y
