"""Exp (6+) on the device: xp.exp(x) (xp). Other types (and earlier revisions) as _elementwise.py says."""

from __future__ import annotations

from refrt.kernels.numpy.op_exp import exp as _numpy_kernel
from refrt.registry import kernel

from ._elementwise import FLOATS, unary

_run = unary(lambda xp, x: xp.exp(x), _numpy_kernel, FLOATS)


@kernel("Exp", since=6)
def exp(x):
    return _run(x)
