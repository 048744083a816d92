"""Exp: e ** x, elementwise."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array


@kernel("Exp", since=6)
@np.errstate(over="ignore")
def exp(x):
    return as_array(np.exp(x))


@kernel("Exp", since=1, until=5)
def exp_1(x, *, consumed_inputs=None):
    """Opset 1's consumed_inputs was an in-place hint for old frameworks; it changes nothing."""
    return exp(x)
