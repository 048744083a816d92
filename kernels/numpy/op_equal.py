"""Equal: A == B, elementwise, as a bool tensor."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array, legacy_broadcast


@kernel("Equal", since=7)
def equal(a, b):
    return as_array(np.equal(a, b))


@kernel("Equal", since=1, until=6)
def equal_legacy(a, b, *, axis=None, broadcast=0):
    """Before opset 7 B broadcasts onto A only with broadcast=1 (see legacy_broadcast)."""
    return equal(a, legacy_broadcast(a, b, broadcast, axis, "Equal"))
