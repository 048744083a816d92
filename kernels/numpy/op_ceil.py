"""Ceil: round up to an integral value, elementwise."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array


@kernel("Ceil", since=6)
def ceil(x):
    return as_array(np.ceil(x))


@kernel("Ceil", since=1, until=5)
def ceil_1(x, *, consumed_inputs=None):
    """Opset 1's consumed_inputs was an in-place hint for old frameworks; it changes nothing."""
    return ceil(x)
