"""ReduceMean on the device: xp's mean over the node's axes (see _reduce.py for what runs on the host)."""

from __future__ import annotations

from refrt.kernels.numpy import op_reduce_mean as _np
from refrt.registry import kernel

from ._reduce import reduce


@kernel("ReduceMean", since=18)
def reduce_mean(data, axes=None, *, keepdims=1, noop_with_empty_axes=0):
    return reduce("mean", _np.reduce_mean, "ReduceMean", data, axes, keepdims, noop_with_empty_axes, widen=True)


@kernel("ReduceMean", since=1, until=17)
def reduce_mean_attr(data, *, axes=None, keepdims=1):
    return reduce("mean", _np.reduce_mean_attr, "ReduceMean", data, axes, keepdims, 0, widen=True,
                  attr_axes=True)
