"""ReduceMin: the minimum over the given axes (all by default); NaN wins.

An empty min is +inf for floats, the type's largest value otherwise (True for bool).
"""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array
from ._reduce_util import highest, reduction_axes


@kernel("ReduceMin", since=18)
def reduce_min(data, axes=None, *, keepdims=1, noop_with_empty_axes=0):
    """From opset 18 the axes are an optional input (opset 20 adds bool)."""
    ax = reduction_axes(axes, data.ndim, "ReduceMin", noop_with_empty_axes)
    return as_array(np.min(data, axis=ax, keepdims=bool(keepdims), initial=highest(data.dtype)))


@kernel("ReduceMin", since=1, until=17)
def reduce_min_attr(data, *, axes=None, keepdims=1):
    return reduce_min(data, axes, keepdims=keepdims)
