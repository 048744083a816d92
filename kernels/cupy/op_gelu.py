"""Gelu (20+) on the device: one ElementwiseKernel on a GPU (see _gelu.py). Non-float types run the
NumPy kernel on the host."""

from __future__ import annotations

from refrt.kernels.numpy.op_gelu import gelu as _numpy_gelu
from refrt.registry import kernel

from ._gelu import gelu as _gelu
from ._xp import FLOATS, on_host


@kernel("Gelu", since=20)
def gelu(x, *, approximate="none"):
    if x.dtype not in FLOATS:
        return on_host(_numpy_gelu, x, approximate=approximate)
    return _gelu(x, None, approximate)
