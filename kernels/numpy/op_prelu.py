"""PRelu: x for x >= 0, slope * x below; slope broadcasts onto x (never the other way)."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array, leaky


@kernel("PRelu", since=7)
def prelu(x, slope):
    if np.broadcast_shapes(x.shape, slope.shape) != x.shape:
        raise ValueError(f"PRelu: slope of shape {slope.shape} does not broadcast onto X of shape {x.shape}")
    return as_array(leaky(x, slope))


@kernel("PRelu", since=6, until=6)
def prelu_legacy(x, slope):
    """Before opset 7 the slope is one value, one per channel (axis 1, the Caffe form), or x's shape."""
    if slope.size != 1 and slope.ndim == 1 and x.ndim >= 2 and slope.shape[0] == x.shape[1]:
        slope = slope.reshape((-1,) + (1,) * (x.ndim - 2))
    return prelu(x, slope)


@kernel("PRelu", since=1, until=5)
def prelu_1(x, slope, *, consumed_inputs=None):
    """Opset 1's consumed_inputs was an in-place hint for old frameworks; it changes nothing."""
    return prelu_legacy(x, slope)
