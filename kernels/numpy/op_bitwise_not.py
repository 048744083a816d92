"""BitwiseNot: flip every bit of an integer tensor."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array


@kernel("BitwiseNot", since=18)
def bitwise_not(x):
    return as_array(np.invert(x))
