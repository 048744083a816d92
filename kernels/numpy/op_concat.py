"""Concat: join tensors of equal rank along ``axis``."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._tensor_util import normalize_axis


def concat_axis(inputs, axis) -> int:
    """``axis`` normalised, once the inputs are checked to be one or more of one rank (at least 1) and
    of equal shapes outside it. Only shapes are read: the CUDA provider's Concat checks with it too."""
    if not inputs:
        raise ValueError("Concat needs at least one input")
    rank = inputs[0].ndim
    if rank == 0:
        raise ValueError("Concat: inputs must have rank >= 1, got a scalar")
    axis = normalize_axis(axis, rank, "Concat axis")
    for x in inputs[1:]:
        if x.ndim != rank or x.shape[:axis] + x.shape[axis + 1 :] != inputs[0].shape[:axis] + inputs[0].shape[axis + 1 :]:
            raise ValueError(
                f"Concat: shapes {[x.shape for x in inputs]} differ outside axis {axis}"
            )
    return axis


def _concat(inputs, axis):
    return np.concatenate(inputs, axis=concat_axis(inputs, axis))


@kernel("Concat", since=1, until=3)
def concat_1(*inputs, axis=None):
    return _concat(inputs, 1 if axis is None else axis)  # revision 1 defaults to axis 1


@kernel("Concat", since=4)
def concat_4(*inputs, axis=None):
    if axis is None:
        raise ValueError("Concat needs the 'axis' attribute")
    return _concat(inputs, axis)
