"""Greater: A > B, elementwise, as a bool tensor."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array, legacy_broadcast


@kernel("Greater", since=7)
def greater(a, b):
    return as_array(np.greater(a, b))


@kernel("Greater", since=1, until=6)
def greater_legacy(a, b, *, axis=None, broadcast=0):
    """Before opset 7 B broadcasts onto A only with broadcast=1 (see legacy_broadcast)."""
    return greater(a, legacy_broadcast(a, b, broadcast, axis, "Greater"))
