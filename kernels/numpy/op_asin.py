"""Asin: arcsine, elementwise (NaN outside [-1, 1])."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array


@kernel("Asin", since=7)
@np.errstate(invalid="ignore")
def asin(x):
    return as_array(np.arcsin(x))
