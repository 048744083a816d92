"""Div (7+) on the device: xp.divide with broadcasting, both inputs of one type. Other types (and the
revisions before 7, with their broadcast / axis attributes) as _elementwise.py says."""

from __future__ import annotations

from refrt.kernels.numpy.op_div import div as _numpy_kernel
from refrt.registry import kernel

from ._elementwise import FLOATS, binary

_run = binary("divide", _numpy_kernel, FLOATS)


@kernel("Div", since=7)
def div(a, b):
    return _run(a, b)
