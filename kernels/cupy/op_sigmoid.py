"""Sigmoid (6+) on the device: x.dtype.type(1) / (x.dtype.type(1) + xp.exp(-x)) (xp). Other types (and earlier revisions) as _elementwise.py says."""

from __future__ import annotations

from refrt.kernels.numpy.op_sigmoid import sigmoid as _numpy_kernel
from refrt.registry import kernel

from ._elementwise import FLOATS, unary

_run = unary(lambda xp, x: x.dtype.type(1) / (x.dtype.type(1) + xp.exp(-x)), _numpy_kernel, FLOATS)


@kernel("Sigmoid", since=6)
def sigmoid(x):
    return _run(x)
