"""BitwiseXor: A ^ B on the bits of integers, elementwise."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array


@kernel("BitwiseXor", since=18)
def bitwise_xor(a, b):
    return as_array(np.bitwise_xor(a, b))
