"""Softmax: exp(x) / sum(exp(x)) along an axis (shifted by the max, so exp cannot overflow)."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array, narrow, widen
from ._reduce_util import as_2d, normalize_axis


@kernel("Softmax", since=13)
@np.errstate(invalid="ignore")  # rows of -inf or +inf give NaN, as in onnxruntime
def softmax(x, *, axis=-1):
    axis = normalize_axis(axis, x.ndim, "Softmax")  # also refuses a 0-d input, as the spec does
    xw = widen(x)
    y = np.subtract(xw, xw.max(axis=axis, keepdims=True, initial=-np.inf))
    np.exp(y, out=y)
    y /= y.sum(axis=axis, keepdims=True)
    return as_array(narrow(y, x.dtype))


@kernel("Softmax", since=1, until=12)
def softmax_2d(x, *, axis=1):
    """Before opset 13: over all of shape[axis:] at once (the input seen as 2-D)."""
    return softmax(as_2d(x, axis, "Softmax"), axis=1).reshape(x.shape)
