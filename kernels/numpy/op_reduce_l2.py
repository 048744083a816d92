"""ReduceL2: the Euclidean norm over the given axes (all by default)."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import widen
from ._reduce_util import of_sum, reduction_axes


@kernel("ReduceL2", since=18)
def reduce_l2(data, axes=None, *, keepdims=1, noop_with_empty_axes=0):
    """From opset 18 the axes are an optional input."""
    ax = reduction_axes(axes, data.ndim, "ReduceL2", noop_with_empty_axes)
    return of_sum(np.sqrt, np.square(widen(data)), ax, keepdims, data.dtype)


@kernel("ReduceL2", since=1, until=17)
def reduce_l2_attr(data, *, axes=None, keepdims=1):
    return reduce_l2(data, axes, keepdims=keepdims)
