"""ScatterND: out = copy(data); out[indices[i...]] (op)= updates[i...], index tuples on the last axis."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._scatter_util import scatter_into


def _scatter_nd(data, indices, updates, reduction: str, allowed):
    if indices.ndim < 1:
        raise ValueError(f"ScatterND: indices need rank >= 1, got shape {indices.shape}")
    k = indices.shape[-1]
    if k > data.ndim or updates.shape != indices.shape[:-1] + data.shape[k:]:
        raise ValueError(
            f"ScatterND: updates of shape {updates.shape} do not fit data {data.shape} and indices {indices.shape} "
            f"(expected {indices.shape[:-1] + data.shape[k:]})"
        )
    dims = np.array(data.shape[:k], dtype=np.int64)
    idx = indices.astype(np.int64, copy=False)
    if idx.size and ((idx < -dims).any() or (idx >= dims).any()):
        raise ValueError(f"ScatterND: an index is out of bounds for data of shape {data.shape}")
    idx = np.where(idx < 0, idx + dims, idx)
    return scatter_into(data, tuple(idx[..., j] for j in range(k)), updates, reduction, allowed, "ScatterND")


@kernel("ScatterND", since=11, until=15)
def scatter_nd_11(data, indices, updates):
    return _scatter_nd(data, indices, updates, "none", ("none",))


@kernel("ScatterND", since=16, until=17)
def scatter_nd_16(data, indices, updates, *, reduction="none"):
    return _scatter_nd(data, indices, updates, reduction, ("none", "add", "mul"))


@kernel("ScatterND", since=18)
def scatter_nd_18(data, indices, updates, *, reduction="none"):
    return _scatter_nd(data, indices, updates, reduction, ("none", "add", "mul", "max", "min"))
