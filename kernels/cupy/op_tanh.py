"""Tanh (6+) on the device: xp.tanh(x) (xp). Other types (and earlier revisions) as _elementwise.py says."""

from __future__ import annotations

from refrt.kernels.numpy.op_tanh import tanh as _numpy_kernel
from refrt.registry import kernel

from ._elementwise import FLOATS, unary

_run = unary(lambda xp, x: xp.tanh(x), _numpy_kernel, FLOATS)


@kernel("Tanh", since=6)
def tanh(x):
    return _run(x)
