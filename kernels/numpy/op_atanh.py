"""Atanh: inverse hyperbolic tangent, elementwise (+-inf at +-1, NaN beyond)."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel


@kernel("Atanh", since=9)
@np.errstate(divide="ignore", invalid="ignore")
def atanh(x):
    return np.asarray(np.arctanh(x))
