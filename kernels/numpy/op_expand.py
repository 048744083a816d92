"""Expand: broadcast the input against ``shape`` (bidirectionally, as numpy does)."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._tensor_util import check_allocation, int_list


@kernel("Expand", since=8)
def expand(x, shape):
    dims = int_list(shape, "Expand shape")
    if any(d < 0 for d in dims):
        raise ValueError(f"Expand: shape {dims} has a negative dimension")
    try:
        out_shape = np.broadcast_shapes(x.shape, tuple(dims))
    except ValueError:
        raise ValueError(f"Expand: input of shape {x.shape} does not broadcast with shape {dims}") from None
    check_allocation(out_shape, x.dtype, "Expand output")
    return np.broadcast_to(x, out_shape).copy()  # a writable copy, not a read-only view (on x's device)
