"""Flatten on the device: the NumPy kernel unchanged (``input.reshape``, a view of the device array)."""

from __future__ import annotations

from refrt.kernels.numpy.op_flatten import flatten as _numpy_flatten
from refrt.registry import kernel


@kernel("Flatten", since=1)
def flatten(input, *, axis=1):
    return _numpy_flatten(input, axis=axis)
