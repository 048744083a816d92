"""Log (6+) on the device: xp.log(x) (xp). Other types (and earlier revisions) as _elementwise.py says."""

from __future__ import annotations

from refrt.kernels.numpy.op_log import log as _numpy_kernel
from refrt.registry import kernel

from ._elementwise import FLOATS, unary

_run = unary(lambda xp, x: xp.log(x), _numpy_kernel, FLOATS)


@kernel("Log", since=6)
def log(x):
    return _run(x)
