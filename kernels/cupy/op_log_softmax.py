"""LogSoftmax on the device, every revision the NumPy provider registers (13+: one axis; 1-12: all of
shape[axis:] as one row): x - max, exp, sum with xp reductions over a 2-D view (the axis moved last
when it is not). float16 computes in float32; non-float types run the NumPy kernel on the host."""

from __future__ import annotations

from refrt.kernels.numpy import op_log_softmax as _np
from refrt.registry import kernel

from .op_softmax import one_axis, trailing_axes


@kernel("LogSoftmax", since=13)
def log_softmax(x, *, axis=-1):
    return one_axis(x, axis, True, _np.log_softmax, "LogSoftmax")


@kernel("LogSoftmax", since=1, until=12)
def log_softmax_2d(x, *, axis=1):
    return trailing_axes(x, axis, True, _np.log_softmax_2d, "LogSoftmax")
