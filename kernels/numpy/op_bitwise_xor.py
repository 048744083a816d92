"""BitwiseXor: A ^ B on the bits of integers, elementwise."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel


@kernel("BitwiseXor", since=18)
def bitwise_xor(a, b):
    return np.asarray(np.bitwise_xor(a, b))
