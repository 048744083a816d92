"""Reciprocal: 1 / x, elementwise."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array


@kernel("Reciprocal", since=6)
@np.errstate(divide="ignore")
def reciprocal(x):
    return as_array(np.reciprocal(x))


@kernel("Reciprocal", since=1, until=5)
def reciprocal_1(x, *, consumed_inputs=None):
    """Opset 1's consumed_inputs was an in-place hint for old frameworks; it changes nothing."""
    return reciprocal(x)
