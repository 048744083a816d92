"""Concat on the device: xp.concatenate (host inputs, e.g. constant shape pieces, are uploaded first),
shapes checked by the NumPy kernel's ``concat_axis``."""

from __future__ import annotations

from refrt.kernels.numpy.op_concat import concat_axis
from refrt.registry import kernel

from ._xp import device_of, to_device


def _concat(inputs, axis):
    axis = concat_axis(inputs, axis)
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
