"""Gather on the device: xp.take along the axis. Indices on the host are checked and uploaded;
indices on the device are checked with one reduction (a scalar read back), negative ones wrapped
with xp.where."""

from __future__ import annotations

import numpy as np

from refrt.kernels.numpy._reduce_util import normalize_axis
from refrt.kernels.numpy._tensor_util import checked_indices
from refrt.registry import kernel

from ._xp import array_namespace, is_host, to_host


@kernel("Gather", since=1)
def gather(data, indices, *, axis=0):
    if data.ndim == 0:
        raise ValueError("Gather needs data of rank >= 1, got a scalar")
    xp = array_namespace(data)
    axis = normalize_axis(axis, data.ndim, "Gather axis")
    dim = data.shape[axis]
    if is_host(indices) or indices.size <= 64:  # small: check on the host, as the NumPy kernel does
        idx = xp.asarray(checked_indices(to_host(indices), dim, "Gather"))
    else:
        idx = indices.astype(np.int64, copy=False)
        if bool(((idx < -dim) | (idx >= dim)).any()):
            checked_indices(to_host(indices), dim, "Gather")  # raises with the NumPy kernel's message
        idx = xp.where(idx < 0, idx + dim, idx)
    return xp.take(data, idx, axis=axis)
