"""Sum: elementwise sum of all inputs."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import variadic


@kernel("Sum", since=8)
def sum_(*data):
    """From opset 8 the inputs broadcast (NumPy rules)."""
    return variadic(np.add, data, "Sum")


@kernel("Sum", since=6, until=7)
def sum_legacy(*data):
    """Before opset 8 all inputs have one shape."""
    return variadic(np.add, data, "Sum", broadcast=False)


@kernel("Sum", since=1, until=5)
def sum_1(*data, consumed_inputs=None):
    """Opset 1's consumed_inputs was an in-place hint for old frameworks; it changes nothing."""
    return sum_legacy(*data)
