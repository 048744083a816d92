"""BitwiseOr: A | B on the bits of integers, elementwise."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel


@kernel("BitwiseOr", since=18)
def bitwise_or(a, b):
    return np.asarray(np.bitwise_or(a, b))
