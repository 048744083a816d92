"""Asin: arcsine, elementwise (NaN outside [-1, 1])."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel


@kernel("Asin", since=7)
@np.errstate(invalid="ignore")
def asin(x):
    return np.asarray(np.arcsin(x))
