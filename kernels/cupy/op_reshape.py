"""Reshape on the device: the NumPy kernel unchanged (``data.reshape``, a view of the device array),
the shape input read to the host first (a few int64)."""

from __future__ import annotations

from refrt.kernels.numpy import op_reshape as _np
from refrt.registry import kernel

from ._xp import to_host


@kernel("Reshape", since=1, until=4)
def reshape_1(data, *, consumed_inputs=None, shape=None):
    return _np.reshape_1(data, shape=shape)


@kernel("Reshape", since=5, until=13)
def reshape_5(data, shape):
    return _np.reshape_5(data, to_host(shape))


@kernel("Reshape", since=14)
def reshape_14(data, shape, *, allowzero=0):
    return _np.reshape_14(data, to_host(shape), allowzero=allowzero)
