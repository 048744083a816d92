"""TensorScatter: a KV-cache update. ``update`` is written into a copy of ``past_cache`` along
``axis``, starting at write_indices[b] for batch entry b (0 without write_indices); mode
"circular" wraps positions modulo the cache length, "linear" requires them to fit."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._tensor_util import normalize_axis


@kernel("TensorScatter", since=24)
def tensor_scatter(past_cache, update, write_indices=None, *, axis=-2, mode="linear"):
    op = "TensorScatter"
    if mode not in ("linear", "circular"):
        raise ValueError(f"{op}: mode must be 'linear' or 'circular', got {mode!r}")
    if past_cache.ndim < 2:
        raise ValueError(f"{op}: past_cache must have rank >= 2, got shape {past_cache.shape}")
    ax = normalize_axis(axis, past_cache.ndim, f"{op} axis")
    if ax == 0:
        raise ValueError(f"{op}: axis must not be the batch axis 0")
    if update.ndim != past_cache.ndim or any(
        u != p for i, (u, p) in enumerate(zip(update.shape, past_cache.shape)) if i != ax
    ) or update.shape[ax] > past_cache.shape[ax]:
        raise ValueError(
            f"{op}: update shape {update.shape} must equal past_cache shape {past_cache.shape} except along "
            f"axis {ax}, where it may not be longer"
        )
    if update.dtype != past_cache.dtype:
        raise ValueError(f"{op}: update has type {update.dtype}, past_cache {past_cache.dtype}")
    batch, length, seq = past_cache.shape[0], past_cache.shape[ax], update.shape[ax]
    if write_indices is None:
        start = np.zeros(batch, dtype=np.int64)
    else:
        start = np.asarray(write_indices).astype(np.int64).reshape(-1)
        if start.shape != (batch,):
            raise ValueError(f"{op}: write_indices must have shape ({batch},), got {np.shape(write_indices)}")
    if np.any(start < 0):
        raise ValueError(f"{op}: write_indices must not be negative, got {start.tolist()}")
    pos = start[:, None] + np.arange(seq, dtype=np.int64)[None, :]  # (batch, seq)
    if mode == "circular":
        pos %= length
    elif seq and np.any(pos[:, -1] >= length):
        raise ValueError(
            f"{op}: writing {seq} positions from write_indices {start.tolist()} overruns the cache length {length}"
        )
    present = past_cache.copy()
    # Positions shaped (batch, 1, ..., seq, 1, ...) broadcast over update's other axes.
    index = np.broadcast_to(np.moveaxis(pos.reshape(batch, seq, *([1] * (past_cache.ndim - 2))), 1, ax), update.shape)
    np.put_along_axis(present, index, update, axis=ax)
    return present
