"""Abs (6+) on the device: xp.abs(x) (xp). Other types (and earlier revisions) as _elementwise.py says."""

from __future__ import annotations

from refrt.kernels.numpy.op_abs import abs_ as _numpy_kernel
from refrt.registry import kernel

from ._elementwise import NUMERIC, unary

_run = unary(lambda xp, x: xp.abs(x), _numpy_kernel, NUMERIC)


@kernel("Abs", since=6)
def abs_(x):
    return _run(x)
