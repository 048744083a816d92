"""ReduceL1: the sum of absolute values over the given axes (all by default)."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import widen
from ._reduce_util import accumulate, reduction_axes


@kernel("ReduceL1", since=18)
def reduce_l1(data, axes=None, *, keepdims=1, noop_with_empty_axes=0):
    """From opset 18 the axes are an optional input."""
    ax = reduction_axes(axes, data.ndim, "ReduceL1", noop_with_empty_axes)
    return accumulate(np.sum, np.absolute(widen(data)), ax, keepdims, data.dtype)


@kernel("ReduceL1", since=1, until=17)
def reduce_l1_attr(data, *, axes=None, keepdims=1):
    return reduce_l1(data, axes, keepdims=keepdims)
