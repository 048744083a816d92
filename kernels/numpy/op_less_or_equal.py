"""LessOrEqual: A <= B, as a bool tensor, elementwise."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel


@kernel("LessOrEqual", since=12)
def less_or_equal(a, b):
    return np.asarray(np.less_equal(a, b))
