"""Ceil: round up to an integral value, elementwise."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel


@kernel("Ceil", since=6)
def ceil(x):
    return np.asarray(np.ceil(x))


@kernel("Ceil", since=1, until=5)
def ceil_1(x, *, consumed_inputs=None):
    """Opset 1's consumed_inputs was an in-place hint for old frameworks; it changes nothing."""
    return ceil(x)
