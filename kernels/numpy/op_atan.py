"""Atan: arctangent, elementwise."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel


@kernel("Atan", since=7)
def atan(x):
    return np.asarray(np.arctan(x))
