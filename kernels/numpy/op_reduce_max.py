"""ReduceMax: the maximum over the given axes (all by default); NaN wins.

An empty max is -inf for floats, the type's smallest value otherwise (False for bool).
"""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array
from ._reduce_util import lowest, reduction_axes


@kernel("ReduceMax", since=18)
def reduce_max(data, axes=None, *, keepdims=1, noop_with_empty_axes=0):
    """From opset 18 the axes are an optional input (opset 20 adds bool)."""
    ax = reduction_axes(axes, data.ndim, "ReduceMax", noop_with_empty_axes)
    return as_array(np.max(data, axis=ax, keepdims=bool(keepdims), initial=lowest(data.dtype)))


@kernel("ReduceMax", since=1, until=17)
def reduce_max_attr(data, *, axes=None, keepdims=1):
    return reduce_max(data, axes, keepdims=keepdims)
