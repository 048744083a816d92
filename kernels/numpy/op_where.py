"""Where: X where the condition holds, else Y (all three broadcast, NumPy rules)."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array


@kernel("Where", since=9)
def where(condition, x, y):
    return as_array(np.where(condition, x, y))
