"""FusedConv (refrt domain) on the device: act(Conv(X, W, B) + Z), the bias, the residual Z and the
activation as one ElementwiseKernel over the matmul's output on a GPU (float32/float64). ``packed=1``
weights (the (M, C/group * taps) matrix) are viewed back as (M, C/group, *kernel). Non-float or mixed
types run the NumPy kernel on the host."""

from __future__ import annotations

from refrt.kernels.numpy.op_fused_conv import fused_conv as _numpy_fused_conv
from refrt.registry import kernel

from ._conv import conv_core
from ._xp import all_floats, on_host


@kernel("FusedConv", domain="refrt", since=1, prepare=True)
def prepare_fused_conv(*, auto_pad="NOTSET", dilations=None, group=1, kernel_shape=None, pads=None, strides=None,
                       activation="", activation_params=None, packed=0):
    attrs = dict(auto_pad=auto_pad, dilations=dilations, group=group, kernel_shape=kernel_shape, pads=pads,
                 strides=strides)

    def run(x, w, b=None, z=None):
        if not all_floats(x, w, b, z):
            return on_host(_numpy_fused_conv, x, w, b, z, **attrs, activation=activation,
                           activation_params=activation_params, packed=packed)
        if packed:  # back to (M, C/group, *kernel): a free view of the packed matrix
            w = w.reshape((w.shape[0], -1) + tuple(int(k) for k in kernel_shape))
        return conv_core(x, w, b, z, **attrs, activation=activation, activation_params=activation_params)

    return run
