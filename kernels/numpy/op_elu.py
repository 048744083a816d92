"""Elu: x for x >= 0, alpha * (exp(x) - 1) below."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array, narrow, widen


@kernel("Elu", since=6)
def elu(x, *, alpha=1.0):
    # max(x, 0) + alpha * expm1(min(x, 0)): both branches at once, with no select and no overflow.
    xw = widen(x)
    y = np.expm1(np.minimum(xw, 0))
    y *= alpha
    y += np.maximum(xw, 0)
    return as_array(narrow(y, x.dtype))


@kernel("Elu", since=1, until=5)
def elu_1(x, *, alpha=1.0, consumed_inputs=None):
    """Opset 1's consumed_inputs was an in-place hint for old frameworks; it changes nothing."""
    return elu(x, alpha=alpha)
