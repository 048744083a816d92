"""GreaterOrEqual: A >= B, as a bool tensor, elementwise."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel


@kernel("GreaterOrEqual", since=12)
def greater_or_equal(a, b):
    return np.asarray(np.greater_equal(a, b))
