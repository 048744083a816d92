"""Tan: tangent, elementwise."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel


@kernel("Tan", since=7)
def tan(x):
    return np.asarray(np.tan(x))
