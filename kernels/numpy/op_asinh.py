"""Asinh: inverse hyperbolic sine, elementwise."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array


@kernel("Asinh", since=9)
def asinh(x):
    return as_array(np.arcsinh(x))
