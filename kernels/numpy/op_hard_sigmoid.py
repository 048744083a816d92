"""HardSigmoid: max(0, min(1, alpha * x + beta))."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array, narrow, scratch, widen


@kernel("HardSigmoid", since=6)
def hard_sigmoid(x, *, alpha=0.2, beta=0.5):
    y = scratch(np.multiply(widen(x), alpha))
    y += beta
    np.clip(y, 0, 1, out=y)
    return as_array(narrow(y, x.dtype))


@kernel("HardSigmoid", since=1, until=5)
def hard_sigmoid_1(x, *, alpha=0.2, beta=0.5, consumed_inputs=None):
    """Opset 1's consumed_inputs was an in-place hint for old frameworks; it changes nothing."""
    return hard_sigmoid(x, alpha=alpha, beta=beta)
