"""ReduceProd: the product over the given axes (all by default); an empty product is 1."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import widen
from ._reduce_util import accumulate, reduction_axes


@kernel("ReduceProd", since=18)
def reduce_prod(data, axes=None, *, keepdims=1, noop_with_empty_axes=0):
    """From opset 18 the axes are an optional input."""
    ax = reduction_axes(axes, data.ndim, "ReduceProd", noop_with_empty_axes)
    return accumulate(np.prod, widen(data), ax, keepdims, data.dtype)


@kernel("ReduceProd", since=1, until=17)
def reduce_prod_attr(data, *, axes=None, keepdims=1):
    return reduce_prod(data, axes, keepdims=keepdims)
