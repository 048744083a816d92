"""Relu (6+) on the device: xp.maximum(x, x.dtype.type(0)) (xp). Other types (and earlier revisions) as _elementwise.py says."""

from __future__ import annotations

from refrt.kernels.numpy.op_relu import relu as _numpy_kernel
from refrt.registry import kernel

from ._elementwise import FLOATS, unary

_run = unary(lambda xp, x: xp.maximum(x, x.dtype.type(0)), _numpy_kernel, FLOATS)


@kernel("Relu", since=6)
def relu(x):
    return _run(x)
