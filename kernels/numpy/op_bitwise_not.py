"""BitwiseNot: flip every bit of an integer tensor."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel


@kernel("BitwiseNot", since=18)
def bitwise_not(x):
    return np.asarray(np.invert(x))
