"""Sub (7+) on the device: xp.subtract with broadcasting, both inputs of one type. Other types (and the
revisions before 7, with their broadcast / axis attributes) as _elementwise.py says."""

from __future__ import annotations

from refrt.kernels.numpy.op_sub import sub as _numpy_kernel
from refrt.registry import kernel

from ._elementwise import NUMERIC, binary

_run = binary("subtract", _numpy_kernel, NUMERIC)


@kernel("Sub", since=7)
def sub(a, b):
    return _run(a, b)
