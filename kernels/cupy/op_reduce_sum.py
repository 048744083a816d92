"""ReduceSum on the device: xp's sum over the node's axes (see _reduce.py for what runs on the host)."""

from __future__ import annotations

from refrt.kernels.numpy import op_reduce_sum as _np
from refrt.registry import kernel

from ._reduce import reduce


@kernel("ReduceSum", since=13)
def reduce_sum(data, axes=None, *, keepdims=1, noop_with_empty_axes=0):
    return reduce("sum", _np.reduce_sum, "ReduceSum", data, axes, keepdims, noop_with_empty_axes, widen=True)


@kernel("ReduceSum", since=1, until=12)
def reduce_sum_attr(data, *, axes=None, keepdims=1):
    return reduce("sum", _np.reduce_sum_attr, "ReduceSum", data, axes, keepdims, 0, widen=True,
                  attr_axes=True)
