"""Floor: round down to an integral value, elementwise."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array


@kernel("Floor", since=6)
def floor(x):
    return as_array(np.floor(x))


@kernel("Floor", since=1, until=5)
def floor_1(x, *, consumed_inputs=None):
    """Opset 1's consumed_inputs was an in-place hint for old frameworks; it changes nothing."""
    return floor(x)
