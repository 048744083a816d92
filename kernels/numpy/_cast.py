"""The conversions behind Cast and CastLike.

Numbers convert as C casts do on onnxruntime's CPU (integers wrap, floats truncate toward zero),
with the spec's special rules for float8 saturation, float8e8m0 rounding and the 4- and 2-bit
integers. Strings convert to numbers like C's strtod / strtoll, and numbers print with 8
significant digits ("%.8g"; INF, -INF, NaN), as onnxruntime prints them.
"""

from __future__ import annotations

import ml_dtypes
import numpy as np
from onnx import TensorProto, helper


_SATURATING_FLOAT8 = frozenset(
    (TensorProto.FLOAT8E4M3FN, TensorProto.FLOAT8E4M3FNUZ, TensorProto.FLOAT8E5M2, TensorProto.FLOAT8E5M2FNUZ)
)
_SMALL_INTS = frozenset(np.dtype(t) for t in (ml_dtypes.int4, ml_dtypes.uint4, ml_dtypes.int2, ml_dtypes.uint2))


def type_code(x: np.ndarray) -> int:
    """The TensorProto type of an array (CastLike's target)."""
    if x.dtype.kind in "OUS":
        return TensorProto.STRING
    return helper.np_dtype_to_tensor_dtype(x.dtype)


def _is_integral(dtype: np.dtype) -> bool:
    return dtype.kind in "iub" or dtype in _SMALL_INTS


def cast_to(x: np.ndarray, to: int | None, *, saturate: int = 1, round_mode: str = "up", op: str = "Cast"):
    """x converted to the TensorProto type ``to``."""
    if to is None:
        raise ValueError(f"{op}: the target type ('to') is missing")
    if to == TensorProto.STRING:
        return _to_string(x)
    try:
        dtype = np.dtype(helper.tensor_dtype_to_np_dtype(to))
    except (KeyError, ValueError, TypeError):
        raise ValueError(f"{op}: unsupported target type {to}") from None
    if x.dtype.kind in "OUS":
        x = _parse(x, dtype, op)
    if x.dtype == dtype:
        return x
    with np.errstate(invalid="ignore", over="ignore"):
        if to in _SATURATING_FLOAT8 and saturate:
            # Out-of-range values and infinities become the largest finite value of their sign.
            xf = x if x.dtype == np.float64 else x.astype(np.float32)
            limit = float(ml_dtypes.finfo(dtype).max)
            # asarray: a ufunc hands a 0-d input back as a NumPy scalar, and kernels return arrays.
            return np.asarray(np.clip(xf, -limit, limit)).astype(dtype)
        if to == TensorProto.FLOAT8E8M0:
            return _to_float8e8m0(x, saturate, round_mode, op)
        if dtype in _SMALL_INTS and not _is_integral(x.dtype):
            # onnxruntime rounds floats to the nearest integer (halves away from zero), then wraps.
            xf = x.astype(np.float64)
            r = np.asarray(np.trunc(xf + np.copysign(0.5, xf)))
            return r.astype(np.int64).astype(dtype)
        if x.dtype.isbuiltin == 2 and dtype.isbuiltin == 2:
            # Most pairs of ml_dtypes types (bfloat16, float8, float4/6, int4/2) have no direct
            # conversion: go through float32, which holds every value of each exactly.
            x = x.astype(np.float32)
        return x.astype(dtype)


def _to_float8e8m0(x: np.ndarray, saturate: int, round_mode: str, op: str) -> np.ndarray:
    """E8M0 holds 2**(e - 127) for codes e in 0..254 (255 is NaN): a float32's exponent, rounded.

    As onnxruntime: values above 2**127 or below 2**-127 (zero included) saturate to the largest or
    smallest code with saturate=1 and are NaN otherwise; the sign is ignored (the spec leaves it open).
    """
    if round_mode not in ("up", "down", "nearest"):
        raise ValueError(f"{op}: round_mode must be 'up', 'down' or 'nearest', got {round_mode!r}")
    # Flat, so that a 0-d input gives arrays (not NumPy scalars) to update in place below.
    bits = np.asarray(x, dtype=np.float32).reshape(-1).view(np.uint32) & np.uint32(0x7FFFFFFF)
    code = (bits >> 23).astype(np.int32)
    mantissa = bits & np.uint32(0x7FFFFF)
    # Subnormal floats are m * 2**-149; 2**-127 is the subnormal with m = 0x400000.
    subnormal = code == 0
    if round_mode == "up":
        code += (mantissa != 0) & ~subnormal
        code += subnormal & (mantissa > 0x400000)
    elif round_mode == "nearest":  # ties round up
        code += (mantissa >= 0x400000) & ~subnormal
        code += subnormal & (mantissa >= 0x600000)
    too_small = bits < 0x400000
    too_large = (bits > 0x7F000000) & (bits <= 0x7F800000)  # above 2**127, infinity included
    nan = bits > 0x7F800000
    code[too_small] = 0 if saturate else 255
    code[too_large] = 254 if saturate else 255
    code[nan] = 255
    return code.astype(np.uint8).view(ml_dtypes.float8_e8m0fnu).reshape(x.shape)


def _to_string(x: np.ndarray) -> np.ndarray:
    if x.dtype.kind in "OUS":
        return x.astype(object)
    if x.dtype == np.bool_:
        text = np.where(x, "1", "0")
    elif _is_integral(x.dtype):
        text = x.astype(np.uint64 if x.dtype.kind == "u" else np.int64).astype(str)
    else:
        v = x.astype(np.float64)
        text = np.asarray(np.char.mod("%.8g", v))
        text = np.where(np.isnan(v), "NaN", np.where(v == np.inf, "INF", np.where(v == -np.inf, "-INF", text)))
    return np.asarray(text).astype(object)


def _parse(x: np.ndarray, dtype: np.dtype, op: str) -> np.ndarray:
    """Strings as float64 numbers (for float targets) or int64/uint64 (integer and bool targets)."""
    s = np.asarray(np.char.strip(np.asarray(x, dtype=str)))  # a 0-d input comes back as a scalar
    try:
        if not _is_integral(dtype):
            # Plain and scientific notation; INF, +INF, -INF, NaN in any letter case.
            return s.astype(np.float64)
        if s.size == 0:  # np.char.partition fails on an empty array
            return s.astype(np.int64)
        # Like strtoll, read the integer part of "100.5" or "1e3" (the spec: "may yield 100").
        for sep in ".eE":
            s = np.char.partition(s, sep)[..., 0]
        try:
            return s.astype(np.int64)
        except OverflowError:
            return s.astype(np.uint64)
    except (ValueError, OverflowError) as e:
        raise ValueError(f"{op}: cannot convert a string to {dtype}: {e}") from None
