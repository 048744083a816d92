"""Atanh: inverse hyperbolic tangent, elementwise (+-inf at +-1, NaN beyond)."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array


@kernel("Atanh", since=9)
@np.errstate(divide="ignore", invalid="ignore")
def atanh(x):
    return as_array(np.arctanh(x))
