"""Abs: |x|, elementwise (integers wrap around: |INT_MIN| is INT_MIN)."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array


@kernel("Abs", since=6)
def abs_(x):
    return as_array(np.absolute(x))


@kernel("Abs", since=1, until=5)
def abs_1(x, *, consumed_inputs=None):
    """Opset 1's consumed_inputs was an in-place hint for old frameworks; it changes nothing."""
    return abs_(x)
