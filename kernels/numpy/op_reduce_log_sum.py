"""ReduceLogSum: log of the sum over the given axes (all by default); an empty one is -inf."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import widen
from ._reduce_util import of_sum, reduction_axes


@kernel("ReduceLogSum", since=18)
@np.errstate(divide="ignore", invalid="ignore")  # log(0) = -inf, log(<0) = NaN
def reduce_log_sum(data, axes=None, *, keepdims=1, noop_with_empty_axes=0):
    """From opset 18 the axes are an optional input (opset 28 drops the integer types)."""
    ax = reduction_axes(axes, data.ndim, "ReduceLogSum", noop_with_empty_axes)
    # Integers (opsets 1-27): log of the integer sum, truncated back like a C cast.
    return of_sum(np.log, widen(data), ax, keepdims, data.dtype)


@kernel("ReduceLogSum", since=1, until=17)
def reduce_log_sum_attr(data, *, axes=None, keepdims=1):
    return reduce_log_sum(data, axes, keepdims=keepdims)
