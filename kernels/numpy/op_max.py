"""Max: elementwise maximum of all inputs (NaN wins, as in onnxruntime)."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import variadic


@kernel("Max", since=8)
def max_(*data):
    """From opset 8 the inputs broadcast (NumPy rules)."""
    return variadic(np.maximum, data, "Max")


@kernel("Max", since=6, until=7)
def max_legacy(*data):
    """Before opset 8 all inputs have one shape."""
    return variadic(np.maximum, data, "Max", broadcast=False)


@kernel("Max", since=1, until=5)
def max_1(*data, consumed_inputs=None):
    """Opset 1's consumed_inputs was an in-place hint for old frameworks; it changes nothing."""
    return max_legacy(*data)
