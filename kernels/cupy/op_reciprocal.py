"""Reciprocal (6+) on the device: xp.reciprocal(x) (xp). Other types (and earlier revisions) as _elementwise.py says."""

from __future__ import annotations

from refrt.kernels.numpy.op_reciprocal import reciprocal as _numpy_kernel
from refrt.registry import kernel

from ._elementwise import FLOATS, unary

_run = unary(lambda xp, x: xp.reciprocal(x), _numpy_kernel, FLOATS)


@kernel("Reciprocal", since=6)
def reciprocal(x):
    return _run(x)
