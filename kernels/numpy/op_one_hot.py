"""OneHot: a new axis of length ``depth`` holding on_value at each index and off_value elsewhere."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._tensor_util import check_allocation, normalize_axis, scalar_of


@kernel("OneHot", since=9)
def one_hot(indices, depth, values, *, axis=-1):
    d = scalar_of(depth, "OneHot depth")
    depth_n = int(d)
    if depth_n < 1:
        raise ValueError(f"OneHot: depth must be >= 1, got {d}")
    values = np.asarray(values)
    if values.size != 2:
        raise ValueError(f"OneHot: values must hold [off_value, on_value], got shape {values.shape}")
    rank = indices.ndim + 1
    axis = normalize_axis(axis, rank, "OneHot axis")
    check_allocation(indices.shape + (depth_n,), values.dtype, "OneHot output")
    idx = indices.astype(np.int64)  # non-integer indices are cast (truncated) first
    idx = np.where(idx < 0, idx + depth_n, idx)  # out-of-range indices match no position
    hot = np.expand_dims(idx, axis) == np.arange(depth_n).reshape([-1 if a == axis else 1 for a in range(rank)])
    off, on = values.reshape(-1)
    return np.where(hot, on, off).astype(values.dtype)
