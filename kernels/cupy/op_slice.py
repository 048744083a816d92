"""Slice on the device: the NumPy kernel unchanged (basic indexing: a view of the device array), the
starts / ends / axes / steps inputs read to the host."""

from __future__ import annotations

from refrt.kernels.numpy import op_slice as _np
from refrt.registry import kernel

from ._xp import to_host


@kernel("Slice", since=1, until=9)
def slice_1(data, *, axes=None, ends=None, starts=None):
    return _np.slice_1(data, axes=axes, ends=ends, starts=starts)


@kernel("Slice", since=10)
def slice_10(data, starts, ends, axes=None, steps=None):
    return _np.slice_10(data, to_host(starts), to_host(ends), to_host(axes), to_host(steps))
