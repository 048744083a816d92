"""BiasGelu (refrt domain) on the device: Gelu(x + bias), the sum and Gelu in one ElementwiseKernel on
a GPU (see _gelu.py). Non-float or mixed types run the NumPy kernel on the host."""

from __future__ import annotations

from refrt.kernels.numpy.op_bias_gelu import bias_gelu as _numpy_bias_gelu
from refrt.registry import kernel

from ._gelu import gelu as _gelu
from ._xp import all_floats, on_host


@kernel("BiasGelu", domain="refrt", since=1)
def bias_gelu(x, bias, *, approximate="none", inplace=0):
    if not all_floats(x, bias):
        return on_host(_numpy_bias_gelu, x, bias, approximate=approximate, inplace=0)
    return _gelu(x, bias, approximate)
