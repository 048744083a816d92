"""Relu: max(x, 0), elementwise (NaN stays NaN)."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel


@kernel("Relu", since=6)
def relu(x):
    return np.asarray(np.maximum(x, 0))


@kernel("Relu", since=1, until=5)
def relu_1(x, *, consumed_inputs=None):
    """Opset 1's consumed_inputs was an in-place hint for old frameworks; it changes nothing."""
    return relu(x)
