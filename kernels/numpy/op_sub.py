"""Sub: A - B, elementwise (integers wrap around, as in C)."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array, legacy_broadcast


@kernel("Sub", since=7)
def sub(a, b):
    return as_array(np.subtract(a, b))


@kernel("Sub", since=6, until=6)
def sub_legacy(a, b, *, axis=None, broadcast=0):
    """Before opset 7 B broadcasts onto A only with broadcast=1 (see legacy_broadcast)."""
    return as_array(np.subtract(a, legacy_broadcast(a, b, broadcast, axis, "Sub")))


@kernel("Sub", since=1, until=5)
def sub_1(a, b, *, axis=None, broadcast=0, consumed_inputs=None):
    """Opset 1's consumed_inputs was an in-place hint for old frameworks; it changes nothing."""
    return sub_legacy(a, b, axis=axis, broadcast=broadcast)
