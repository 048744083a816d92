"""Sinh: hyperbolic sine, elementwise."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel


@kernel("Sinh", since=9)
@np.errstate(over="ignore")
def sinh(x):
    return np.asarray(np.sinh(x))
