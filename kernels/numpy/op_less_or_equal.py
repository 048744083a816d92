"""LessOrEqual: A <= B, as a bool tensor, elementwise."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array


@kernel("LessOrEqual", since=12)
def less_or_equal(a, b):
    return as_array(np.less_equal(a, b))
