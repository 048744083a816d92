"""Where: X where the condition holds, else Y (all three broadcast, NumPy rules)."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel


@kernel("Where", since=9)
def where(condition, x, y):
    return np.asarray(np.where(condition, x, y))
