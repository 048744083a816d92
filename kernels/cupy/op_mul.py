"""Mul (7+) on the device: xp.multiply with broadcasting, both inputs of one type. Other types (and the
revisions before 7, with their broadcast / axis attributes) as _elementwise.py says."""

from __future__ import annotations

from refrt.kernels.numpy.op_mul import mul as _numpy_kernel
from refrt.registry import kernel

from ._elementwise import NUMERIC, binary

_run = binary("multiply", _numpy_kernel, NUMERIC)


@kernel("Mul", since=7)
def mul(a, b):
    return _run(a, b)
