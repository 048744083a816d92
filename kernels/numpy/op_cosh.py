"""Cosh: hyperbolic cosine, elementwise."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array


@kernel("Cosh", since=9)
@np.errstate(over="ignore")
def cosh(x):
    return as_array(np.cosh(x))
