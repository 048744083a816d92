"""Mean: elementwise mean of all inputs."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import narrow, variadic, widen


def _mean(data, *, broadcast: bool):
    total = variadic(np.add, tuple(widen(t) for t in data), "Mean", broadcast=broadcast)
    if len(data) == 1:
        return data[0]
    total /= len(data)
    return narrow(total, data[0].dtype)


@kernel("Mean", since=8)
def mean(*data):
    """From opset 8 the inputs broadcast (NumPy rules)."""
    return _mean(data, broadcast=True)


@kernel("Mean", since=6, until=7)
def mean_legacy(*data):
    """Before opset 8 all inputs have one shape."""
    return _mean(data, broadcast=False)


@kernel("Mean", since=1, until=5)
def mean_1(*data, consumed_inputs=None):
    """Opset 1's consumed_inputs was an in-place hint for old frameworks; it changes nothing."""
    return _mean(data, broadcast=False)
