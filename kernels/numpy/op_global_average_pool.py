"""GlobalAveragePool: the mean over all spatial axes, kept as size-1 axes (revisions 1 and 22:
types only)."""

from __future__ import annotations

from refrt.registry import kernel

from ._conv_util import as_compute


@kernel("GlobalAveragePool", since=1)
def global_average_pool(x):
    if x.ndim < 3:
        raise ValueError(f"GlobalAveragePool expects an input of rank >= 3, got shape {x.shape}")
    return as_compute(x).mean(axis=tuple(range(2, x.ndim)), keepdims=True).astype(x.dtype, copy=False)
