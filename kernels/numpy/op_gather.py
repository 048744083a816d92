"""Gather: take slices along ``axis`` at the given (possibly negative) indices."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._tensor_util import checked_indices, normalize_axis


@kernel("Gather", since=1)
def gather(data, indices, *, axis=0):
    if data.ndim == 0:
        raise ValueError("Gather needs data of rank >= 1, got a scalar")
    axis = normalize_axis(axis, data.ndim, "Gather axis")
    idx = checked_indices(indices, data.shape[axis], "Gather")
    return np.take(data, idx, axis=axis)
