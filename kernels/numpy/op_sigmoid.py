"""Sigmoid: 1 / (1 + exp(-x))."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array, narrow, scratch, widen


@kernel("Sigmoid", since=6)
@np.errstate(over="ignore")  # exp(-x) overflows to inf for very negative x, giving the right 0
def sigmoid(x):
    y = scratch(np.negative(widen(x)))
    np.exp(y, out=y)
    y += 1
    np.reciprocal(y, out=y)
    return as_array(narrow(y, x.dtype))


@kernel("Sigmoid", since=1, until=5)
def sigmoid_1(x, *, consumed_inputs=None):
    """Opset 1's consumed_inputs was an in-place hint for old frameworks; it changes nothing."""
    return sigmoid(x)
