"""ReduceSum: the sum over the given axes (all by default); an empty sum is 0."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import widen
from ._reduce_util import accumulate, reduction_axes


@kernel("ReduceSum", since=13)
def reduce_sum(data, axes=None, *, keepdims=1, noop_with_empty_axes=0):
    """From opset 13 the axes are an optional input."""
    ax = reduction_axes(axes, data.ndim, "ReduceSum", noop_with_empty_axes)
    return accumulate(np.sum, widen(data), ax, keepdims, data.dtype)


@kernel("ReduceSum", since=1, until=12)
def reduce_sum_attr(data, *, axes=None, keepdims=1):
    return reduce_sum(data, axes, keepdims=keepdims)
