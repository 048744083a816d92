"""QLinearConv: quantized convolution, y = quantize(conv(x - x_zp, w - w_zp) + B, x_scale * w_scale / y_scale, y_zp).

w_scale and w_zero_point may hold one value per output channel; B is int32, already in the
accumulator's scale. The accumulation is exact; as in onnxruntime the multiplier
x_scale * w_scale / y_scale is computed in float32 and applied to the accumulator in float32.
"""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._quant_util import (
    channel_layout,
    check_conv_shapes,
    check_zero_point,
    exact_conv,
    minus_zero_point,
    requantize,
)

_OP = "QLinearConv"


def _scalar(value, what: str) -> np.ndarray:
    value = np.asarray(value)
    if value.size != 1:
        raise ValueError(f"{_OP}: {what} must be a scalar, got shape {value.shape}")
    return value.reshape(())


@kernel(_OP, since=10)
def q_linear_conv(x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale, y_zero_point, b=None, *,
                  auto_pad="NOTSET", dilations=None, group=1, kernel_shape=None, pads=None, strides=None):
    check_conv_shapes(x, w, group, kernel_shape, _OP)
    if y_zero_point is None:
        raise ValueError(f"{_OP}: y_zero_point is required")
    check_zero_point(x_zero_point, x, _OP, "x_zero_point")
    check_zero_point(w_zero_point, w, _OP, "w_zero_point")
    xd = minus_zero_point(x, None if x_zero_point is None else _scalar(x_zero_point, "x_zero_point"), _OP)
    wd = minus_zero_point(w, channel_layout(w_zero_point, w, "w_zero_point", _OP), _OP)
    acc = exact_conv(xd, wd, group=group, auto_pad=auto_pad, dilations=dilations, pads=pads, strides=strides)
    m = w.shape[0]
    spatial = (1,) * (acc.ndim - 2)
    if b is not None:
        if b.shape != (m,):
            raise ValueError(f"{_OP}: B must have shape ({m},), got {b.shape}")
        acc += b.astype(np.int64).reshape((m,) + spatial)
    ws = channel_layout(np.asarray(w_scale, dtype=np.float32), w, "w_scale", _OP)
    if ws.ndim:
        ws = ws.reshape((m,) + spatial)  # one scale per output channel, Y's axis 1
    xs = _scalar(x_scale, "x_scale").astype(np.float32)
    multiplier = xs * ws / _scalar(y_scale, "y_scale").astype(np.float32)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        return requantize(acc, multiplier, _scalar(y_zero_point, "y_zero_point"), _OP)
