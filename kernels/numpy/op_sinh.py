"""Sinh: hyperbolic sine, elementwise."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array


@kernel("Sinh", since=9)
@np.errstate(over="ignore")
def sinh(x):
    return as_array(np.sinh(x))
