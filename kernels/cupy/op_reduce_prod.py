"""ReduceProd on the device: xp's prod over the node's axes (see _reduce.py for what runs on the host)."""

from __future__ import annotations

from refrt.kernels.numpy import op_reduce_prod as _np
from refrt.registry import kernel

from ._reduce import reduce


@kernel("ReduceProd", since=18)
def reduce_prod(data, axes=None, *, keepdims=1, noop_with_empty_axes=0):
    return reduce("prod", _np.reduce_prod, "ReduceProd", data, axes, keepdims, noop_with_empty_axes, widen=False)


@kernel("ReduceProd", since=1, until=17)
def reduce_prod_attr(data, *, axes=None, keepdims=1):
    return reduce("prod", _np.reduce_prod_attr, "ReduceProd", data, axes, keepdims, 0, widen=False,
                  attr_axes=True)
