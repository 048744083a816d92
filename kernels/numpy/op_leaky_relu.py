"""LeakyRelu: x for x >= 0, alpha * x below."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array, leaky


@kernel("LeakyRelu", since=6)
def leaky_relu(x, *, alpha=0.01):
    return as_array(leaky(x, alpha))


@kernel("LeakyRelu", since=1, until=5)
def leaky_relu_1(x, *, alpha=0.01, consumed_inputs=None):
    """Opset 1's consumed_inputs was an in-place hint for old frameworks; it changes nothing."""
    return leaky_relu(x, alpha=alpha)
