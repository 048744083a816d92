"""QuantizeLinear: y = saturate(round(x / y_scale) + y_zero_point), rounding half to even.

Revision 13 adds per-axis scales, 19 float8 outputs and ``saturate``, 21 blocked scales, int4/uint4,
int16/uint16 and ``output_dtype``, 23 float4e2m1 and ``precision`` (scale and input may differ in
type; the division runs in the scale's type unless ``precision`` says otherwise), 24 float8e8m0
scales, 25 int2/uint2, 28 float6: revisions from 23 on only add types.
"""

from __future__ import annotations

import ml_dtypes
import numpy as np

from refrt.registry import kernel

from ._quant_util import QUANTIZED, float_of, layout, np_type, quantize

_OP = "QuantizeLinear"
_DIVISION_TYPES = frozenset(np.dtype(t) for t in (np.float16, np.float32, np.float64, ml_dtypes.bfloat16))


def _output_type(y_zero_point, output_dtype: int) -> np.dtype:
    """The zero point's type, else ``output_dtype``, else uint8; the two must agree when both are given."""
    dtype = np.dtype(np.uint8)
    if output_dtype:
        dtype = np_type(output_dtype, f"{_OP} output_dtype")
    if y_zero_point is not None:
        if output_dtype and y_zero_point.dtype != dtype:
            raise ValueError(f"{_OP}: output_dtype {dtype} differs from the zero point's type {y_zero_point.dtype}")
        dtype = y_zero_point.dtype
    if dtype not in QUANTIZED:
        raise ValueError(f"{_OP}: {dtype} is not a quantized type")
    return dtype


def _quantize(x, y_scale, y_zero_point, *, axis, block_size, saturate, output_dtype, precision):
    """Shared by every revision; ``precision`` None means the division runs in float32 (before 23)."""
    dtype = _output_type(y_zero_point, output_dtype)
    scale = layout(y_scale, x.shape, axis, block_size, _OP, "y_scale")
    zero_point = None if y_zero_point is None else layout(y_zero_point, x.shape, axis, block_size, _OP, "y_zero_point")
    if y_zero_point is not None and y_zero_point.size != np.size(y_scale):
        raise ValueError(f"{_OP}: y_zero_point shape {y_zero_point.shape} differs from y_scale shape {y_scale.shape}")
    if precision is None:
        p = np.dtype(np.float32)
    else:
        # Opset 23 on: the division rounds to the scale's type (or ``precision``), as onnxruntime does.
        p = np_type(precision, f"{_OP} precision") if precision else scale.dtype
        if p not in _DIVISION_TYPES:
            p = np.dtype(np.float32)  # int32 or float8e8m0 scales divide in float32
    # A zero scale gives infinities (saturated) and NaN (the lowest value), as in onnxruntime.
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        q = float_of(x).astype(p) / float_of(scale).astype(p)
        return quantize(q, dtype, zero_point, saturate=saturate)


def _check_per_tensor(y_scale) -> None:
    if np.asarray(y_scale).size != 1:
        raise ValueError(f"{_OP}-10: y_scale must be a scalar, got shape {np.shape(y_scale)}")


@kernel(_OP, since=10, until=12)
def quantize_linear_10(x, y_scale, y_zero_point=None):
    _check_per_tensor(y_scale)
    return _quantize(x, y_scale, y_zero_point, axis=1, block_size=0, saturate=1, output_dtype=0, precision=None)


@kernel(_OP, since=13, until=18)
def quantize_linear_13(x, y_scale, y_zero_point=None, *, axis=1):
    return _quantize(x, y_scale, y_zero_point, axis=axis, block_size=0, saturate=1, output_dtype=0, precision=None)


@kernel(_OP, since=19, until=20)
def quantize_linear_19(x, y_scale, y_zero_point=None, *, axis=1, saturate=1):
    return _quantize(
        x, y_scale, y_zero_point, axis=axis, block_size=0, saturate=saturate, output_dtype=0, precision=None
    )


@kernel(_OP, since=21, until=22)
def quantize_linear_21(x, y_scale, y_zero_point=None, *, axis=1, block_size=0, output_dtype=0, saturate=1):
    return _quantize(
        x, y_scale, y_zero_point, axis=axis, block_size=block_size, saturate=saturate, output_dtype=output_dtype,
        precision=None,
    )


@kernel(_OP, since=23)
def quantize_linear_23(x, y_scale, y_zero_point=None, *, axis=1, block_size=0, output_dtype=0, precision=0, saturate=1):
    return _quantize(
        x, y_scale, y_zero_point, axis=axis, block_size=block_size, saturate=saturate, output_dtype=output_dtype,
        precision=precision,
    )
