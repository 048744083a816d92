"""Acosh: inverse hyperbolic cosine, elementwise (NaN below 1)."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array


@kernel("Acosh", since=9)
@np.errstate(invalid="ignore")
def acosh(x):
    return as_array(np.arccosh(x))
