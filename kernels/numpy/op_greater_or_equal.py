"""GreaterOrEqual: A >= B, as a bool tensor, elementwise."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array


@kernel("GreaterOrEqual", since=12)
def greater_or_equal(a, b):
    return as_array(np.greater_equal(a, b))
