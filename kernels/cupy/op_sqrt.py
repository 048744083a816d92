"""Sqrt (6+) on the device: xp.sqrt(x) (xp). Other types (and earlier revisions) as _elementwise.py says."""

from __future__ import annotations

from refrt.kernels.numpy.op_sqrt import sqrt as _numpy_kernel
from refrt.registry import kernel

from ._elementwise import FLOATS, unary

_run = unary(lambda xp, x: xp.sqrt(x), _numpy_kernel, FLOATS)


@kernel("Sqrt", since=6)
def sqrt(x):
    return _run(x)
