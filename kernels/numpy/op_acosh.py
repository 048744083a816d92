"""Acosh: inverse hyperbolic cosine, elementwise (NaN below 1)."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel


@kernel("Acosh", since=9)
@np.errstate(invalid="ignore")
def acosh(x):
    return np.asarray(np.arccosh(x))
