"""Not: logical negation of a bool tensor."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel


@kernel("Not", since=1)
def not_(x):
    return np.asarray(np.logical_not(x))
