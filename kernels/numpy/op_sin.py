"""Sin: sine, elementwise."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array


@kernel("Sin", since=7)
def sin(x):
    return as_array(np.sin(x))
