"""Selu: gamma * x for x > 0, gamma * alpha * (exp(x) - 1) otherwise."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array, narrow, widen


@kernel("Selu", since=6)
def selu(x, *, alpha=1.6732632, gamma=1.050701):
    # gamma * (max(x, 0) + alpha * expm1(min(x, 0))): both branches at once, no select, no overflow.
    xw = widen(x)
    y = np.expm1(np.minimum(xw, 0))
    y *= alpha
    y += np.maximum(xw, 0)
    y *= gamma
    return as_array(narrow(y, x.dtype))


@kernel("Selu", since=1, until=5)
def selu_1(x, *, alpha=1.6732, gamma=1.0507, consumed_inputs=None):
    """Opset 1 had shorter default constants."""
    return selu(x, alpha=alpha, gamma=gamma)
