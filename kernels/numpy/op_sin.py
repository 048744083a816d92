"""Sin: sine, elementwise."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel


@kernel("Sin", since=7)
def sin(x):
    return np.asarray(np.sin(x))
