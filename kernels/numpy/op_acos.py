"""Acos: arccosine, elementwise (NaN outside [-1, 1])."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array


@kernel("Acos", since=7)
@np.errstate(invalid="ignore")
def acos(x):
    return as_array(np.arccos(x))
