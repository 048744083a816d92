"""Round: round to the nearest integral value, halves to even, elementwise."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array


@kernel("Round", since=11)
def round_(x):
    return as_array(np.rint(x))
