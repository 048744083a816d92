"""GlobalLpPool: the p-norm over all spatial axes, kept as size-1 axes.

Revision 1 takes p as a float, 2 as an int; 22 adds types.
"""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._conv_util import as_compute


@kernel("GlobalLpPool", since=2)
def global_lp_pool(x, *, p=2):
    if x.ndim < 3:
        raise ValueError(f"GlobalLpPool expects an input of rank >= 3, got shape {x.shape}")
    p = float(p)
    axes = tuple(range(2, x.ndim))
    xc = np.abs(as_compute(x))
    y = (xc**p).sum(axis=axes, keepdims=True) ** (1.0 / p)
    return y.astype(x.dtype, copy=False)


@kernel("GlobalLpPool", since=1, until=1)
def global_lp_pool_1(x, *, p=2.0):
    return global_lp_pool(x, p=p)
