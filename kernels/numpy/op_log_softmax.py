"""LogSoftmax: x - log(sum(exp(x))) along an axis (shifted by the max, so exp cannot overflow)."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array, narrow, widen
from ._reduce_util import as_2d, normalize_axis


@kernel("LogSoftmax", since=13)
@np.errstate(divide="ignore", invalid="ignore")  # rows of -inf or +inf give NaN, as in onnxruntime
def log_softmax(x, *, axis=-1):
    axis = normalize_axis(axis, x.ndim, "LogSoftmax")  # also refuses a 0-d input, as the spec does
    xw = widen(x)
    y = np.subtract(xw, xw.max(axis=axis, keepdims=True, initial=-np.inf))
    y -= np.log(np.exp(y).sum(axis=axis, keepdims=True))
    return as_array(narrow(y, x.dtype))


@kernel("LogSoftmax", since=1, until=12)
def log_softmax_2d(x, *, axis=1):
    """Before opset 13: over all of shape[axis:] at once (the input seen as 2-D)."""
    return log_softmax(as_2d(x, axis, "LogSoftmax"), axis=1).reshape(x.shape)
