"""Shared pieces of the quantization kernels: scale/zero-point layouts, rounding to a quantized
type with saturation, and the exact integer products behind MatMulInteger, ConvInteger and the
QLinear* ops.

Integer products are computed in float64: every product of two 8-bit values and every sum of up
to 2**37 of them is exact there, and float64 matmul runs on BLAS where integer matmul does not.
"""

from __future__ import annotations

import math

import ml_dtypes
import numpy as np
from onnx import helper

from ._cast import cast_to
from ._conv_util import geometry, pad_spatial, windows
from ._elementwise_util import scratch
from ._tensor_util import normalize_axis

FLOAT8 = frozenset(
    np.dtype(t)
    for t in (ml_dtypes.float8_e4m3fn, ml_dtypes.float8_e4m3fnuz, ml_dtypes.float8_e5m2, ml_dtypes.float8_e5m2fnuz)
)
# Small floats without infinities: a plain cast already saturates, "saturate" changes nothing.
SMALL_FLOATS = frozenset(
    np.dtype(t) for t in (ml_dtypes.float4_e2m1fn, ml_dtypes.float6_e2m3fn, ml_dtypes.float6_e3m2fn)
)
INTEGER_RANGES = {
    np.dtype(np.uint8): (0, 255),
    np.dtype(np.int8): (-128, 127),
    np.dtype(np.uint16): (0, 65535),
    np.dtype(np.int16): (-32768, 32767),
    np.dtype(ml_dtypes.uint4): (0, 15),
    np.dtype(ml_dtypes.int4): (-8, 7),
    np.dtype(ml_dtypes.uint2): (0, 3),
    np.dtype(ml_dtypes.int2): (-2, 1),
}
QUANTIZED = frozenset(INTEGER_RANGES) | FLOAT8 | SMALL_FLOATS


def np_type(code: int, what: str) -> np.dtype:
    """The NumPy dtype of a TensorProto type code given as an attribute."""
    try:
        return np.dtype(helper.tensor_dtype_to_np_dtype(int(code)))
    except (KeyError, ValueError, TypeError):
        raise ValueError(f"{what}: unsupported data type {code}") from None


def float_of(x: np.ndarray) -> np.ndarray:
    """A scale (float8e8m0 included) or a small-float tensor as float32; wider floats stay."""
    if x.dtype == np.float64 or x.dtype == np.float32:
        return x
    return x.astype(np.float32)


def layout(value: np.ndarray, shape: tuple, axis: int, block_size: int, op: str, what: str) -> np.ndarray:
    """A scale or zero point reshaped (or, for blocks, repeated) to broadcast against ``shape``.

    Scalar (or one element): per tensor. 1-D of length shape[axis]: per axis. Same rank as the
    input with dimension ceil(D/B) at ``axis`` (B = block_size): blocked, each value repeated B
    times along ``axis``, the last block possibly shorter.
    """
    value = np.asarray(value)
    if value.ndim == 0:
        return value
    if value.ndim == 1 and value.size == 1 and not block_size:
        return value.reshape(())
    rank = len(shape)
    if rank == 0:
        raise ValueError(f"{op}: {what} of shape {value.shape} does not fit a scalar input")
    ax = normalize_axis(axis, rank, f"{op} axis")
    if not block_size:
        if value.ndim != 1 or value.shape[0] != shape[ax]:
            raise ValueError(
                f"{op}: {what} of shape {value.shape} must be a scalar or a 1-D tensor of length "
                f"{shape[ax]} (input dimension {ax}), or block_size must be set"
            )
        dims = [1] * rank
        dims[ax] = -1
        return value.reshape(dims)
    if block_size < 0:
        raise ValueError(f"{op}: block_size must be positive, got {block_size}")
    expected = tuple(-(-d // block_size) if i == ax else d for i, d in enumerate(shape))
    if value.shape != expected:
        raise ValueError(
            f"{op}: blocked {what} must have shape {expected} for input {tuple(shape)}, axis {ax} and "
            f"block_size {block_size}, got {value.shape}"
        )
    return np.repeat(value, block_size, axis=ax)[(slice(None),) * ax + (slice(0, shape[ax]),)]


def quantize(q: np.ndarray, dtype: np.dtype, zero_point, *, saturate: int = 1) -> np.ndarray:
    """``q`` (already divided by the scale) rounded, shifted by the zero point and saturated to ``dtype``.

    Integers: round half to even, add the zero point, clip to the type's range; NaN becomes the
    lowest value, as in onnxruntime. Float8: a saturating (or, with saturate=0, plain) cast; the
    zero point is ignored as onnxruntime and the onnx reference ignore it. float4/float6: the
    zero point is added (spec and onnx reference), then a cast, which saturates by itself.
    """
    if dtype in INTEGER_RANGES:
        lo, hi = INTEGER_RANGES[dtype]
        # float32 is exact here: a zero point only moves integers below 2**24, and any value
        # beyond that saturates anyway.
        r = scratch(np.rint(q if q.dtype in (np.float32, np.float64) else q.astype(np.float32)))
        if zero_point is not None:
            r += zero_point.astype(r.dtype)
        np.fmax(r, lo, out=r)  # fmax picks lo over NaN
        np.minimum(r, hi, out=r)
        return r.astype(dtype)
    if dtype in FLOAT8:
        return cast_to(q, helper.np_dtype_to_tensor_dtype(dtype), saturate=saturate, op="QuantizeLinear")
    if dtype in SMALL_FLOATS:
        if zero_point is not None:
            q = float_of(q) + float_of(zero_point)
        return float_of(q).astype(dtype)
    raise ValueError(f"QuantizeLinear: {dtype} is not a quantized type")


def check_zero_point(zero_point, x: np.ndarray, op: str, what: str = "zero point") -> None:
    if zero_point is not None and zero_point.dtype != x.dtype:
        raise ValueError(f"{op}: {what} has type {zero_point.dtype}, but the input has type {x.dtype}")


def minus_zero_point(x: np.ndarray, zero_point, op: str) -> np.ndarray:
    """x - zero_point, exact: in float32 for types of up to 16 bits, in int64 for wider integers."""
    if x.dtype in INTEGER_RANGES:
        d = x.astype(np.float32)
        return d if zero_point is None else d - zero_point.astype(np.float32)
    if x.dtype.kind in "iub":
        d = x.astype(np.int64)
        return d if zero_point is None else d - zero_point.astype(np.int64)
    if x.dtype in FLOAT8 and zero_point is not None and np.any(float_of(zero_point) != 0):
        # onnxruntime refuses these too; quantizing to float8 ignores the zero point.
        raise ValueError(f"{op}: a float8 input must have no zero point or a zero point of 0")
    d = float_of(x)
    return d if zero_point is None else d - float_of(zero_point)


def row_layout(value, a: np.ndarray) -> np.ndarray | None:
    """A per-row parameter of matrix ``a`` (1-D of length M) as (M, 1); N-D ones broadcast as they are."""
    if value is None:
        return None
    value = np.asarray(value)
    if value.ndim == 1 and value.size > 1 and a.ndim >= 2:
        return value.reshape(-1, 1)
    return value


def channel_layout(value, w: np.ndarray, what: str, op: str):
    """A per-output-channel parameter (scalar or M values) shaped to broadcast against W or Y."""
    if value is None:
        return None
    value = np.asarray(value)
    if value.size == 1:
        return value.reshape(())
    if value.ndim != 1 or value.shape[0] != w.shape[0]:
        raise ValueError(
            f"{op}: {what} must be a scalar or hold one value per output channel ({w.shape[0]}), got shape {value.shape}"
        )
    return value.reshape((-1,) + (1,) * (w.ndim - 1))


def exact_matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The integer matrix product of integer-valued arrays, as int64 (computed exactly in float64)."""
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"MatMul needs inputs of rank >= 1, got shapes {a.shape} and {b.shape}")
    try:
        return np.matmul(a.astype(np.float64), b.astype(np.float64)).astype(np.int64)
    except ValueError:
        raise ValueError(f"matmul shapes {a.shape} and {b.shape} do not match") from None


def wrap_int32(y: np.ndarray) -> np.ndarray:
    """int64 results as int32; only 32-bit accumulation may overflow, and then it wraps."""
    return y.astype(np.int32)


def check_conv_shapes(x: np.ndarray, w: np.ndarray, group: int, kernel_shape, op: str) -> None:
    if x.ndim < 3 or w.ndim != x.ndim:
        raise ValueError(f"{op} expects X and W of the same rank >= 3, got X {x.shape} and W {w.shape}")
    if group < 1 or x.shape[1] != w.shape[1] * group or w.shape[0] % group:
        raise ValueError(f"{op}: X {x.shape} and W {w.shape} do not match for group={group}")
    if kernel_shape is not None and len(kernel_shape) and list(kernel_shape) != list(w.shape[2:]):
        raise ValueError(f"{op}: kernel_shape {list(kernel_shape)} does not match W spatial shape {list(w.shape[2:])}")


def exact_conv(xd, wd, *, group, auto_pad, dilations, pads, strides) -> np.ndarray:
    """Convolution of zero-point-free integer-valued inputs, exact, as int64 (N, M, *out).

    The input is padded after its zero point is removed, so padding counts as the zero point,
    as the spec requires.
    """
    geo = geometry(xd.shape[2:], wd.shape[2:], strides=strides, dilations=dilations, pads=pads, auto_pad=auto_pad)
    n, c = xd.shape[:2]
    m = wd.shape[0]
    if xd.size == 0 or wd.size == 0:
        return np.zeros((n, m) + geo.out_shape, dtype=np.int64)
    xp = pad_spatial(xd.astype(np.float64), geo.begin, geo.end)
    taps = math.prod(geo.kernel)
    pixels = math.prod(geo.out_shape)
    cols = windows(xp, geo).reshape(n, group, (c // group) * taps, pixels)
    y = np.matmul(wd.astype(np.float64).reshape(group, m // group, (c // group) * taps), cols)
    return y.reshape((n, m) + geo.out_shape).astype(np.int64)


def requantize(acc: np.ndarray, multiplier: np.ndarray, y_zero_point, op: str) -> np.ndarray:
    """An int accumulator scaled by ``multiplier`` (float32) and quantized to y_zero_point's type."""
    dtype = y_zero_point.dtype
    if dtype not in QUANTIZED:
        raise ValueError(f"{op}: output zero point type {dtype} is not a quantized type")
    q = acc.astype(np.float32) * multiplier.astype(np.float32)
    return quantize(q, dtype, y_zero_point)

