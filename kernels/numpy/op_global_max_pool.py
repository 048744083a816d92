"""GlobalMaxPool: the maximum over all spatial axes, kept as size-1 axes (revisions 1 and 22: types
only)."""

from __future__ import annotations

from refrt.registry import kernel


@kernel("GlobalMaxPool", since=1)
def global_max_pool(x):
    if x.ndim < 3:
        raise ValueError(f"GlobalMaxPool expects an input of rank >= 3, got shape {x.shape}")
    return x.max(axis=tuple(range(2, x.ndim)), keepdims=True)
