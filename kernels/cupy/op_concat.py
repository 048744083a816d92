"""Concat on the device: xp.concatenate (host inputs, e.g. constant shape pieces, are uploaded first),
shapes checked as the NumPy kernel does."""

from __future__ import annotations

from refrt.kernels.numpy._reduce_util import normalize_axis
from refrt.registry import kernel

from ._xp import device_of, to_device


def _concat(inputs, axis):
    if not inputs:
        raise ValueError("Concat needs at least one input")
    rank = inputs[0].ndim
    if rank == 0:
        raise ValueError("Concat: inputs must have rank >= 1, got a scalar")
    axis = normalize_axis(axis, rank, "Concat axis")
    first = inputs[0].shape[:axis] + inputs[0].shape[axis + 1:]
    for x in inputs[1:]:
        if x.ndim != rank or x.shape[:axis] + x.shape[axis + 1:] != first:
            raise ValueError(f"Concat: shapes {[x.shape for x in inputs]} differ outside axis {axis}")
    xp = device_of(*inputs)
    if xp is None:  # every input on the host (shape arithmetic the plan left here)
        import numpy as xp
    return xp.concatenate([to_device(xp, x) for x in inputs], axis=axis)


@kernel("Concat", since=1, until=3)
def concat_1(*inputs, axis=None):
    return _concat(inputs, 1 if axis is None else axis)


@kernel("Concat", since=4)
def concat_4(*inputs, axis=None):
    if axis is None:
        raise ValueError("Concat needs the 'axis' attribute")
    return _concat(inputs, axis)
