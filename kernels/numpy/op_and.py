"""And: A and B, elementwise, as a bool tensor."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array, legacy_broadcast


@kernel("And", since=7)
def and_(a, b):
    return as_array(np.logical_and(a, b))


@kernel("And", since=1, until=6)
def and_legacy(a, b, *, axis=None, broadcast=0):
    """Before opset 7 B broadcasts onto A only with broadcast=1 (see legacy_broadcast)."""
    return and_(a, legacy_broadcast(a, b, broadcast, axis, "And"))
