"""ArgMax on the device: xp.argmax along one axis (the last index on ties when select_last_index,
by reading the axis reversed), int64. Non-float or empty inputs run the NumPy kernel on the host."""

from __future__ import annotations

import numpy as np

from refrt.kernels.numpy import op_arg_max as _np
from refrt.kernels.numpy._reduce_util import normalize_axis
from refrt.registry import kernel

from ._xp import FLOATS, array_namespace, on_host


@kernel("ArgMax", since=12)
def arg_max(data, *, axis=0, keepdims=1, select_last_index=0):
    if data.dtype not in FLOATS or data.size == 0 or data.ndim == 0:
        return on_host(_np.arg_max, data, axis=axis, keepdims=keepdims, select_last_index=select_last_index)
    xp = array_namespace(data)
    axis = normalize_axis(axis, data.ndim, "ArgMax")
    if select_last_index:
        n = data.shape[axis]
        index = (n - 1) - xp.argmax(xp.flip(data, axis=axis), axis=axis)
    else:
        index = xp.argmax(data, axis=axis)
    index = index.astype(np.int64, copy=False)
    return xp.expand_dims(index, axis) if keepdims else index


@kernel("ArgMax", since=1, until=11)
def arg_max_11(data, *, axis=0, keepdims=1):
    return arg_max(data, axis=axis, keepdims=keepdims)
