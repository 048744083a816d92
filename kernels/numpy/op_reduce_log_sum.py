"""ReduceLogSum: log of the sum over the given axes (all by default); an empty one is -inf."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import is_float, narrow, widen
from ._reduce_util import reduction_axes


@kernel("ReduceLogSum", since=18)
@np.errstate(divide="ignore", invalid="ignore")  # log(0) = -inf, log(<0) = NaN
def reduce_log_sum(data, axes=None, *, keepdims=1, noop_with_empty_axes=0):
    """From opset 18 the axes are an optional input (opset 28 drops the integer types)."""
    ax = reduction_axes(axes, data.ndim, "ReduceLogSum", noop_with_empty_axes)
    xw = widen(data)
    total = np.asarray(np.sum(xw, axis=ax, keepdims=bool(keepdims), dtype=xw.dtype))
    if not is_float(data.dtype):
        # Integers (opsets 1-27): log of the integer sum, truncated back like a C cast.
        return np.asarray(np.log(total.astype(np.float64)).astype(data.dtype))
    return np.asarray(narrow(np.log(total, out=total), data.dtype))


@kernel("ReduceLogSum", since=1, until=17)
def reduce_log_sum_attr(data, *, axes=None, keepdims=1):
    return reduce_log_sum(data, axes, keepdims=keepdims)
