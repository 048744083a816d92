"""Sqrt: square root, elementwise (NaN below zero)."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array


@kernel("Sqrt", since=6)
@np.errstate(invalid="ignore")
def sqrt(x):
    return as_array(np.sqrt(x))


@kernel("Sqrt", since=1, until=5)
def sqrt_1(x, *, consumed_inputs=None):
    """Opset 1's consumed_inputs was an in-place hint for old frameworks; it changes nothing."""
    return sqrt(x)
