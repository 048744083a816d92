"""Asinh: inverse hyperbolic sine, elementwise."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel


@kernel("Asinh", since=9)
def asinh(x):
    return np.asarray(np.arcsinh(x))
