"""Tan: tangent, elementwise."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array


@kernel("Tan", since=7)
def tan(x):
    return as_array(np.tan(x))
