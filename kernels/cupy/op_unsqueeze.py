"""Unsqueeze on the device: the NumPy kernel unchanged (a reshape), the axes input read to the host."""

from __future__ import annotations

from refrt.kernels.numpy import op_unsqueeze as _np
from refrt.registry import kernel

from ._xp import to_host


@kernel("Unsqueeze", since=1, until=12)
def unsqueeze_1(data, *, axes=None):
    return _np.unsqueeze_1(data, axes=axes)


@kernel("Unsqueeze", since=13)
def unsqueeze_13(data, axes):
    return _np.unsqueeze_13(data, to_host(axes))
