"""Relu: max(x, 0), elementwise (NaN stays NaN)."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import FAST_FLOATS, MASKED_RELU_MIN, as_array, zeros_view


@kernel("Relu", since=6)
def relu(x):
    if x.size >= MASKED_RELU_MIN and x.dtype in FAST_FLOATS:
        return np.maximum(x, zeros_view(x.shape, x.dtype))  # the vectorized loop: see zeros_view
    return as_array(np.maximum(x, 0))


@kernel("Relu", since=1, until=5)
def relu_1(x, *, consumed_inputs=None):
    """Opset 1's consumed_inputs was an in-place hint for old frameworks; it changes nothing."""
    return relu(x)
