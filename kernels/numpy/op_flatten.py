"""Flatten: the dimensions before ``axis`` become the rows, the rest the columns."""

from __future__ import annotations

import math

from refrt.registry import kernel


@kernel("Flatten", since=1)
def flatten(input, *, axis=1):
    rank = input.ndim
    if not -rank <= axis <= rank:  # axis == rank is allowed: (N, 1)
        raise ValueError(f"Flatten: axis {axis} is out of range [{-rank}, {rank}] for rank {rank}")
    axis = axis + rank if axis < 0 else axis
    return input.reshape(math.prod(input.shape[:axis]), math.prod(input.shape[axis:]))
