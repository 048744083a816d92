"""Min: elementwise minimum of all inputs (NaN wins, as in onnxruntime)."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import variadic


@kernel("Min", since=8)
def min_(*data):
    """From opset 8 the inputs broadcast (NumPy rules)."""
    return variadic(np.minimum, data, "Min")


@kernel("Min", since=6, until=7)
def min_legacy(*data):
    """Before opset 8 all inputs have one shape."""
    return variadic(np.minimum, data, "Min", broadcast=False)


@kernel("Min", since=1, until=5)
def min_1(*data, consumed_inputs=None):
    """Opset 1's consumed_inputs was an in-place hint for old frameworks; it changes nothing."""
    return min_legacy(*data)
