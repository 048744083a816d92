"""Conv on the device (every revision: 1, 11 and 22 differ only in wording and types): im2col + cuBLAS
matmul, grouped and depthwise included, bias added in the same ElementwiseKernel pass (see _conv.py).
float16 computes in float32 as the NumPy kernel does; other types run the NumPy kernel on the host."""

from __future__ import annotations

from refrt.kernels.numpy.op_conv import conv as _numpy_conv
from refrt.registry import kernel

from ._conv import conv_core
from ._xp import all_floats, on_host


@kernel("Conv", since=1)
def conv(x, w, b=None, *, auto_pad="NOTSET", dilations=None, group=1, kernel_shape=None, pads=None, strides=None):
    attrs = dict(auto_pad=auto_pad, dilations=dilations, group=group, kernel_shape=kernel_shape, pads=pads,
                 strides=strides)
    if not all_floats(x, w, b):
        return on_host(_numpy_conv, x, w, b, **attrs)
    return conv_core(x, w, b, None, **attrs)
