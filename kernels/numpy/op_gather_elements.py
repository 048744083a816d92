"""GatherElements: out[i][j][k] = data[index[i][j][k]][j][k] (for axis 0), like take_along_axis."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._tensor_util import checked_indices, normalize_axis


@kernel("GatherElements", since=11)
def gather_elements(data, indices, *, axis=0):
    if data.ndim == 0 or indices.ndim != data.ndim:
        raise ValueError(f"GatherElements: data {data.shape} and indices {indices.shape} need the same rank >= 1")
    axis = normalize_axis(axis, data.ndim, "GatherElements axis")
    for a, (d, i) in enumerate(zip(data.shape, indices.shape)):
        if a != axis and i > d:
            raise ValueError(f"GatherElements: indices {indices.shape} exceed data {data.shape} on axis {a}")
    # Off the gather axis the output covers only the leading part of data that indices spans.
    window = tuple(slice(None) if a == axis else slice(0, i) for a, i in enumerate(indices.shape))
    idx = checked_indices(indices, data.shape[axis], "GatherElements")
    return np.take_along_axis(data[window], idx, axis=axis)
