"""ReduceMax on the device: xp's max over the node's axes (see _reduce.py for what runs on the host)."""

from __future__ import annotations

from refrt.kernels.numpy import op_reduce_max as _np
from refrt.registry import kernel

from ._reduce import reduce


@kernel("ReduceMax", since=18)
def reduce_max(data, axes=None, *, keepdims=1, noop_with_empty_axes=0):
    return reduce("max", _np.reduce_max, "ReduceMax", data, axes, keepdims, noop_with_empty_axes, widen=False)


@kernel("ReduceMax", since=1, until=17)
def reduce_max_attr(data, *, axes=None, keepdims=1):
    return reduce("max", _np.reduce_max_attr, "ReduceMax", data, axes, keepdims, 0, widen=False,
                  attr_axes=True)
