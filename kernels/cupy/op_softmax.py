"""Softmax on the device, every revision the NumPy provider registers (13+: one axis; 1-12: all of
shape[axis:] as one row): x - max, exp, sum with xp reductions over a 2-D view (the axis moved last
when it is not). float16 computes in float32; non-float types run the NumPy kernel on the host."""

from __future__ import annotations

import math

from refrt.kernels.numpy import op_softmax as _np
from refrt.kernels.numpy._reduce_util import normalize_axis
from refrt.registry import kernel

from ._norm import softmax_rows
from ._xp import FLOATS, array_namespace, compute_dtype, on_host


def _over_last(x, start: int):
    """Softmax over the axes start.. of x (trailing), through a (rows, d) view."""
    xp = array_namespace(x)
    d = math.prod(x.shape[start:])
    rows = x.astype(compute_dtype(x.dtype), copy=False).reshape(-1, d)
    return softmax_rows(xp, rows, False).reshape(x.shape).astype(x.dtype, copy=False)


@kernel("Softmax", since=13)
def softmax(x, *, axis=-1):
    if x.dtype not in FLOATS or x.size == 0:
        return on_host(_np.softmax, x, axis=axis)
    axis = normalize_axis(axis, x.ndim, "Softmax")
    if axis == x.ndim - 1:
        return _over_last(x, axis)
    moved = x.swapaxes(axis, -1)
    return _over_last(moved.copy(), x.ndim - 1).swapaxes(axis, -1)


@kernel("Softmax", since=1, until=12)
def softmax_2d(x, *, axis=1):
    if x.dtype not in FLOATS or x.size == 0 or x.ndim == 0:
        return on_host(_np.softmax_2d, x, axis=axis)
    return _over_last(x, normalize_axis(axis, x.ndim, "Softmax", allow_end=True))
