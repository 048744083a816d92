"""Squeeze on the device: the NumPy kernel unchanged (a reshape), the axes input read to the host."""

from __future__ import annotations

from refrt.kernels.numpy import op_squeeze as _np
from refrt.registry import kernel

from ._xp import to_host


@kernel("Squeeze", since=1, until=12)
def squeeze_1(data, *, axes=None):
    return _np.squeeze_1(data, axes=axes)


@kernel("Squeeze", since=13)
def squeeze_13(data, axes=None):
    return _np.squeeze_13(data, to_host(axes))
