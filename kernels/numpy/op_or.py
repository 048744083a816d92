"""Or: A or B, elementwise, as a bool tensor."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array, legacy_broadcast


@kernel("Or", since=7)
def or_(a, b):
    return as_array(np.logical_or(a, b))


@kernel("Or", since=1, until=6)
def or_legacy(a, b, *, axis=None, broadcast=0):
    """Before opset 7 B broadcasts onto A only with broadcast=1 (see legacy_broadcast)."""
    return or_(a, legacy_broadcast(a, b, broadcast, axis, "Or"))
