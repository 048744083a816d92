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


def _over_last(x, start: int, log: bool = False):
    """(Log)Softmax over the axes start.. of x (trailing), through a (rows, d) view."""
    xp = array_namespace(x)
    d = math.prod(x.shape[start:])
    rows = x.astype(compute_dtype(x.dtype), copy=False).reshape(-1, d)
    return softmax_rows(xp, rows, log).reshape(x.shape).astype(x.dtype, copy=False)


def one_axis(x, axis, log: bool, host_kernel, op: str):
    """Revision 13+ (shared with LogSoftmax): over one axis, moved last when it is not."""
    if x.dtype not in FLOATS or x.size == 0:
        return on_host(host_kernel, x, axis=axis)
    axis = normalize_axis(axis, x.ndim, op)
    if axis == x.ndim - 1:
        return _over_last(x, axis, log)
    moved = x.swapaxes(axis, -1)
    return _over_last(moved.copy(), x.ndim - 1, log).swapaxes(axis, -1)


def trailing_axes(x, axis, log: bool, host_kernel, op: str):
    """Revisions 1-12 (shared with LogSoftmax): shape[axis:] as one row."""
    if x.dtype not in FLOATS or x.size == 0 or x.ndim == 0:
        return on_host(host_kernel, x, axis=axis)
    return _over_last(x, normalize_axis(axis, x.ndim, op, allow_end=True), log)


@kernel("Softmax", since=13)
def softmax(x, *, axis=-1):
    return one_axis(x, axis, False, _np.softmax, "Softmax")


@kernel("Softmax", since=1, until=12)
def softmax_2d(x, *, axis=1):
    return trailing_axes(x, axis, False, _np.softmax_2d, "Softmax")
