"""Exp: e ** x, elementwise."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel


@kernel("Exp", since=6)
@np.errstate(over="ignore")
def exp(x):
    return np.asarray(np.exp(x))


@kernel("Exp", since=1, until=5)
def exp_1(x, *, consumed_inputs=None):
    """Opset 1's consumed_inputs was an in-place hint for old frameworks; it changes nothing."""
    return exp(x)
