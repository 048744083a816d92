"""ConstantOfShape: a tensor of the shape given as input, filled with ``value`` (float32 0 by default)."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._tensor_util import check_allocation, int_list


@kernel("ConstantOfShape", since=9)
def constant_of_shape(shape, *, value=None):
    dims = int_list(shape, "ConstantOfShape input")
    if any(d < 0 for d in dims):
        raise ValueError(f"ConstantOfShape: shape {dims} has a negative dimension")
    fill = np.zeros(1, dtype=np.float32) if value is None else np.asarray(value)
    if fill.size != 1:
        raise ValueError(f"ConstantOfShape: 'value' must hold one element, got shape {fill.shape}")
    # The shape is run-time data: refuse a request that cannot fit before allocating it.
    check_allocation(dims, fill.dtype, "ConstantOfShape output")
    return np.full(dims, fill.reshape(())[()], dtype=fill.dtype)
