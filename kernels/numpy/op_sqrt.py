"""Sqrt: square root, elementwise (NaN below zero)."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel


@kernel("Sqrt", since=6)
@np.errstate(invalid="ignore")
def sqrt(x):
    return np.asarray(np.sqrt(x))


@kernel("Sqrt", since=1, until=5)
def sqrt_1(x, *, consumed_inputs=None):
    """Opset 1's consumed_inputs was an in-place hint for old frameworks; it changes nothing."""
    return sqrt(x)
