"""BitwiseAnd: A & B on the bits of integers, elementwise."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel


@kernel("BitwiseAnd", since=18)
def bitwise_and(a, b):
    return np.asarray(np.bitwise_and(a, b))
