"""Not: logical negation of a bool tensor."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array


@kernel("Not", since=1)
def not_(x):
    return as_array(np.logical_not(x))
