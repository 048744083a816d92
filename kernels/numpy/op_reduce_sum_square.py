"""ReduceSumSquare: the sum of squares over the given axes (all by default)."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import widen
from ._reduce_util import accumulate, reduction_axes


@kernel("ReduceSumSquare", since=18)
def reduce_sum_square(data, axes=None, *, keepdims=1, noop_with_empty_axes=0):
    """From opset 18 the axes are an optional input."""
    ax = reduction_axes(axes, data.ndim, "ReduceSumSquare", noop_with_empty_axes)
    return accumulate(np.sum, np.square(widen(data)), ax, keepdims, data.dtype)


@kernel("ReduceSumSquare", since=1, until=17)
def reduce_sum_square_attr(data, *, axes=None, keepdims=1):
    return reduce_sum_square(data, axes, keepdims=keepdims)
