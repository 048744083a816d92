"""Neg (6+) on the device: xp.negative(x) (xp). Other types (and earlier revisions) as _elementwise.py says."""

from __future__ import annotations

from refrt.kernels.numpy.op_neg import neg as _numpy_kernel
from refrt.registry import kernel

from ._elementwise import NUMERIC, unary

_run = unary(lambda xp, x: xp.negative(x), _numpy_kernel, NUMERIC)


@kernel("Neg", since=6)
def neg(x):
    return _run(x)
