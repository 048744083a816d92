"""Tanh: hyperbolic tangent, elementwise."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array


@kernel("Tanh", since=6)
def tanh(x):
    return as_array(np.tanh(x))


@kernel("Tanh", since=1, until=5)
def tanh_1(x, *, consumed_inputs=None):
    """Opset 1's consumed_inputs was an in-place hint for old frameworks; it changes nothing."""
    return tanh(x)
