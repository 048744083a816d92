"""Cosh: hyperbolic cosine, elementwise."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel


@kernel("Cosh", since=9)
@np.errstate(over="ignore")
def cosh(x):
    return np.asarray(np.cosh(x))
