"""BitwiseAnd: A & B on the bits of integers, elementwise."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array


@kernel("BitwiseAnd", since=18)
def bitwise_and(a, b):
    return as_array(np.bitwise_and(a, b))
