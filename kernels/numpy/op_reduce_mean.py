"""ReduceMean: the mean over the given axes (all by default)."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array, int_div_trunc, is_float, narrow, widen
from ._reduce_util import reduced_count, reduction_axes


@kernel("ReduceMean", since=18)
def reduce_mean(data, axes=None, *, keepdims=1, noop_with_empty_axes=0):
    """From opset 18 the axes are an optional input."""
    ax = reduction_axes(axes, data.ndim, "ReduceMean", noop_with_empty_axes)
    xw = widen(data)
    total = np.sum(xw, axis=ax, keepdims=bool(keepdims), dtype=xw.dtype)
    count = reduced_count(data.shape, ax)
    if count == 0:
        # The spec leaves the mean of nothing undefined; onnxruntime gives 0 (the empty sum).
        return as_array(narrow(total, data.dtype))
    if not is_float(data.dtype):
        # Integer means divide like C: the sum truncated toward zero (onnxruntime).
        return np.asarray(int_div_trunc(total, np.asarray(count, dtype=data.dtype)))
    total = np.asarray(total)
    total /= count
    return as_array(narrow(total, data.dtype))


@kernel("ReduceMean", since=1, until=17)
def reduce_mean_attr(data, *, axes=None, keepdims=1):
    return reduce_mean(data, axes, keepdims=keepdims)
