"""Shared by ScatterElements, Scatter and ScatterND: write updates at index tuples, with a reduction."""

from __future__ import annotations

import numpy as np

from ._tensor_util import checked_indices, normalize_axis

# reduction -> the ufunc whose .at applies it in place (unbuffered, so repeated indices accumulate)
_REDUCE = {"add": np.add, "mul": np.multiply, "max": np.maximum, "min": np.minimum}


def scatter_into(data, index: tuple, updates, reduction: str, allowed: tuple[str, ...], op: str):
    if reduction not in allowed:
        raise ValueError(f"{op}: unsupported reduction '{reduction}' (expected one of {', '.join(allowed)})")
    out = data.copy()
    if reduction == "none":
        out[index] = updates
    elif out.dtype == np.bool_ and reduction in ("add", "mul"):
        # bool add/mul are or/and, as onnxruntime computes them
        (np.logical_or if reduction == "add" else np.logical_and).at(out, index, updates)
    else:
        _REDUCE[reduction].at(out, index, updates)
    return out


def scatter_elements_impl(data, indices, updates, axis: int, reduction: str, allowed, op: str):
    if data.ndim == 0 or indices.ndim != data.ndim or indices.shape != updates.shape:
        raise ValueError(
            f"{op}: data {data.shape}, indices {indices.shape} and updates {updates.shape} need one rank >= 1 "
            "and indices and updates one shape"
        )
    axis = normalize_axis(axis, data.ndim, f"{op} axis")
    for a, (d, i) in enumerate(zip(data.shape, indices.shape)):
        if a != axis and i > d:
            raise ValueError(f"{op}: indices {indices.shape} exceed data {data.shape} on axis {a}")
    idx = checked_indices(indices, data.shape[axis], op)
    # Each element's full coordinate: its own position on every axis but ``axis``, where it is idx.
    grid = list(np.ogrid[tuple(slice(0, n) for n in indices.shape)])
    grid[axis] = idx
    return scatter_into(data, tuple(grid), updates, reduction, allowed, op)
