"""ConvInteger: convolution of (x - x_zero_point) by (w - w_zero_point) of 8-bit integers, as int32.

w_zero_point may hold one value per output channel. Padding holds the zero point (0 after it is
subtracted).
"""

from __future__ import annotations

from refrt.registry import kernel

from ._quant_util import channel_layout, check_conv_shapes, check_zero_point, exact_conv, minus_zero_point, wrap_int32


@kernel("ConvInteger", since=10)
def conv_integer(x, w, x_zero_point=None, w_zero_point=None, *, auto_pad="NOTSET", dilations=None, group=1,
                 kernel_shape=None, pads=None, strides=None):
    op = "ConvInteger"
    check_conv_shapes(x, w, group, kernel_shape, op)
    check_zero_point(x_zero_point, x, op, "x_zero_point")
    check_zero_point(w_zero_point, w, op, "w_zero_point")
    if x_zero_point is not None and x_zero_point.size != 1:
        raise ValueError(f"{op}: x_zero_point must be a scalar, got shape {x_zero_point.shape}")
    xd = minus_zero_point(x, x_zero_point, op)
    wd = minus_zero_point(w, channel_layout(w_zero_point, w, "w_zero_point", op), op)
    y = exact_conv(xd, wd, group=group, auto_pad=auto_pad, dilations=dilations, pads=pads, strides=strides)
    return wrap_int32(y)
