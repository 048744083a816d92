"""Acos: arccosine, elementwise (NaN outside [-1, 1])."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel


@kernel("Acos", since=7)
@np.errstate(invalid="ignore")
def acos(x):
    return np.asarray(np.arccos(x))
