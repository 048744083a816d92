"""refrt.internal OnesLike: ones of a value's shape and type (the seed of a backward pass)."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel


@kernel("OnesLike", domain="refrt.internal", since=1)
def ones_like(x):
    return np.ones_like(x)
