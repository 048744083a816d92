"""BitwiseOr: A | B on the bits of integers, elementwise."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array


@kernel("BitwiseOr", since=18)
def bitwise_or(a, b):
    return as_array(np.bitwise_or(a, b))
