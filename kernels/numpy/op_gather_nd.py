"""GatherND: the last axis of ``indices`` addresses slices of ``data``; the first batch_dims axes are shared."""

from __future__ import annotations

import math

import numpy as np

from refrt.registry import kernel


def _gather_nd(data, indices, batch_dims: int):
    b = int(batch_dims)
    if indices.ndim < 1 or data.ndim < 1:
        raise ValueError(f"GatherND: data {data.shape} and indices {indices.shape} need rank >= 1")
    m = indices.shape[-1]
    if not 0 <= b < min(data.ndim, indices.ndim) or data.shape[:b] != indices.shape[:b]:
        raise ValueError(f"GatherND: batch_dims={b} does not fit data {data.shape} and indices {indices.shape}")
    if b + m > data.ndim:
        raise ValueError(
            f"GatherND: index tuples of length {m} address more than the {data.ndim - b} axes of data {data.shape}"
        )
    batch = math.prod(data.shape[:b])
    flat_data = data.reshape((batch,) + data.shape[b:])
    n_tuples = math.prod(indices.shape[b:-1])
    flat_idx = indices.reshape(batch, n_tuples, m).astype(np.int64)
    dims = np.array(data.shape[b : b + m], dtype=np.int64)
    if flat_idx.size and ((flat_idx < -dims).any() or (flat_idx >= dims).any()):
        raise ValueError(f"GatherND: an index is out of bounds for data of shape {data.shape}")
    flat_idx = np.where(flat_idx < 0, flat_idx + dims, flat_idx)
    rows = np.arange(batch).reshape(batch, 1)
    if m == 0:  # empty index tuples address whole slices
        rows = np.broadcast_to(rows, flat_idx.shape[:2])
    picked = flat_data[(rows,) + tuple(flat_idx[..., j] for j in range(m))]
    return picked.reshape(indices.shape[:-1] + data.shape[b + m :])


@kernel("GatherND", since=11, until=11)
def gather_nd_11(data, indices):
    return _gather_nd(data, indices, 0)


@kernel("GatherND", since=12)
def gather_nd_12(data, indices, *, batch_dims=0):
    return _gather_nd(data, indices, batch_dims)
