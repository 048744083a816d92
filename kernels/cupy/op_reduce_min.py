"""ReduceMin on the device: xp's min over the node's axes (see _reduce.py for what runs on the host)."""

from __future__ import annotations

from refrt.kernels.numpy import op_reduce_min as _np
from refrt.registry import kernel

from ._reduce import reduce


@kernel("ReduceMin", since=18)
def reduce_min(data, axes=None, *, keepdims=1, noop_with_empty_axes=0):
    return reduce("min", _np.reduce_min, "ReduceMin", data, axes, keepdims, noop_with_empty_axes, widen=False)


@kernel("ReduceMin", since=1, until=17)
def reduce_min_attr(data, *, axes=None, keepdims=1):
    return reduce("min", _np.reduce_min_attr, "ReduceMin", data, axes, keepdims, 0, widen=False,
                  attr_axes=True)
