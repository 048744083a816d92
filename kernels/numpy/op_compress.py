"""Compress: keep the slices along ``axis`` (or elements of the flattened input) where condition is True."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._tensor_util import normalize_axis


@kernel("Compress", since=9)
def compress(x, condition, *, axis=None):
    cond = np.asarray(condition).astype(bool).reshape(-1)
    if axis is None:
        x, axis = x.reshape(-1), 0
    else:
        axis = normalize_axis(axis, x.ndim, "Compress axis")
    # A condition shorter than the axis leaves out the slices it does not reach; entries past
    # the axis' end select nothing (onnxruntime ignores them).
    return np.compress(cond[: x.shape[axis]], x, axis=axis)
