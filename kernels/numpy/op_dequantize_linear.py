"""DequantizeLinear: y = (x - x_zero_point) * x_scale.

Revision 13 adds per-axis scales, 19 float8 inputs and float16/bfloat16 scales (the output takes
the scale's type), 21 blocked scales and 4-bit/16-bit inputs, 23 ``output_dtype`` and float4e2m1,
24 float8e8m0 scales, 25 int2/uint2, 28 float6: revisions from 23 on only add types.

x - x_zero_point is exact (int64 for integers); the product runs in float32 and is rounded once
to the output type, as onnxruntime does.
"""

from __future__ import annotations

import ml_dtypes
import numpy as np

from refrt.registry import kernel

from ._quant_util import check_zero_point, float_of, layout, minus_zero_point, np_type

_OP = "DequantizeLinear"
_OUTPUT_TYPES = frozenset(np.dtype(t) for t in (np.float32, np.float16, ml_dtypes.bfloat16))


def _dequantize(x, x_scale, x_zero_point, *, axis, block_size, output_dtype):
    check_zero_point(x_zero_point, x, _OP, "x_zero_point")
    if x_zero_point is not None and x_zero_point.size != np.size(x_scale):
        raise ValueError(f"{_OP}: x_zero_point shape {x_zero_point.shape} differs from x_scale shape {x_scale.shape}")
    if output_dtype:
        out = np_type(output_dtype, f"{_OP} output_dtype")
    else:
        out = x_scale.dtype if x_scale.dtype in _OUTPUT_TYPES else np.dtype(np.float32)
    if out not in _OUTPUT_TYPES:
        raise ValueError(f"{_OP}: output_dtype must be float, float16 or bfloat16, got {out}")
    scale = layout(x_scale, x.shape, axis, block_size, _OP, "x_scale")
    zero_point = None if x_zero_point is None else layout(x_zero_point, x.shape, axis, block_size, _OP, "x_zero_point")
    d = minus_zero_point(x, zero_point, _OP)
    with np.errstate(over="ignore", invalid="ignore"):
        y = d.astype(np.float32, copy=False) * float_of(scale).astype(np.float32, copy=False)
        return np.asarray(y.astype(out, copy=False))


@kernel(_OP, since=10, until=12)
def dequantize_linear_10(x, x_scale, x_zero_point=None):
    if np.asarray(x_scale).size != 1:
        raise ValueError(f"{_OP}-10: x_scale must be a scalar, got shape {np.shape(x_scale)}")
    return _dequantize(x, x_scale, x_zero_point, axis=1, block_size=0, output_dtype=0)


@kernel(_OP, since=13, until=20)
def dequantize_linear_13(x, x_scale, x_zero_point=None, *, axis=1):
    return _dequantize(x, x_scale, x_zero_point, axis=axis, block_size=0, output_dtype=0)


@kernel(_OP, since=21, until=22)
def dequantize_linear_21(x, x_scale, x_zero_point=None, *, axis=1, block_size=0):
    return _dequantize(x, x_scale, x_zero_point, axis=axis, block_size=block_size, output_dtype=0)


@kernel(_OP, since=23)
def dequantize_linear_23(x, x_scale, x_zero_point=None, *, axis=1, block_size=0, output_dtype=0):
    return _dequantize(x, x_scale, x_zero_point, axis=axis, block_size=block_size, output_dtype=output_dtype)
