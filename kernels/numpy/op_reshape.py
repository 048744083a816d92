"""Reshape: 0 copies the input's dimension (unless allowzero=1, opset 14+), one -1 is inferred."""

from __future__ import annotations

import math

import numpy as np

from refrt.registry import kernel

from ._tensor_util import int_list


def _reshape(data, shape: list[int], allowzero: int):
    if shape.count(-1) > 1:
        raise ValueError(f"Reshape: at most one dimension may be -1, got shape {shape}")
    if allowzero and 0 in shape and -1 in shape:
        raise ValueError(f"Reshape with allowzero=1: shape {shape} may not hold both 0 and -1")
    dims = []
    for i, d in enumerate(shape):
        if d == 0 and not allowzero:
            if i >= data.ndim:
                raise ValueError(f"Reshape: shape {shape} copies dimension {i} (0) but the input has rank {data.ndim}")
            d = data.shape[i]
        elif d < -1:
            raise ValueError(f"Reshape: invalid dimension {d} in shape {shape}")
        dims.append(d)
    if -1 in dims:
        known = math.prod(d for d in dims if d != -1)
        if known == 0 or data.size % known:
            raise ValueError(f"Reshape: the input of shape {data.shape} cannot be reshaped to the requested shape {shape}")
        dims[dims.index(-1)] = data.size // known
    if math.prod(dims) != data.size:
        raise ValueError(f"Reshape: the input of shape {data.shape} cannot be reshaped to the requested shape {shape}")
    return data.reshape(dims)


@kernel("Reshape", since=1, until=4)
def reshape_1(data, *, consumed_inputs=None, shape=None):
    # Revision 1 takes the shape as an attribute; consumed_inputs is a legacy hint with no effect.
    if shape is None:
        raise ValueError("Reshape-1 needs the 'shape' attribute")
    return _reshape(data, [int(d) for d in shape], 0)


@kernel("Reshape", since=5, until=13)
def reshape_5(data, shape):
    return _reshape(data, int_list(shape, "Reshape shape"), 0)


@kernel("Reshape", since=14)
def reshape_14(data, shape, *, allowzero=0):
    return _reshape(data, int_list(shape, "Reshape shape"), allowzero)
