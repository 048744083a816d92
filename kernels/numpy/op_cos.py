"""Cos: cosine, elementwise."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel


@kernel("Cos", since=7)
def cos(x):
    return np.asarray(np.cos(x))
