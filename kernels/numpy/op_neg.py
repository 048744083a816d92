"""Neg: -x, elementwise (integers wrap around: -INT_MIN is INT_MIN)."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array


@kernel("Neg", since=6)
def neg(x):
    return as_array(np.negative(x))


@kernel("Neg", since=1, until=5)
def neg_1(x, *, consumed_inputs=None):
    """Opset 1's consumed_inputs was an in-place hint for old frameworks; it changes nothing."""
    return neg(x)
