"""Shared helpers of the elementwise kernels: legacy broadcasting, float widening, integer
division that truncates like C, and a vectorised erf (NumPy has none, SciPy is no dependency)."""

from __future__ import annotations

import math

import ml_dtypes
import numpy as np

# Float types too narrow to hold intermediate results of a multi-step formula (sigmoid, softmax,
# gelu ...): such formulas run in float32 and round once, at the end.
NARROW_FLOATS = frozenset(
    np.dtype(t)
    for t in (
        np.float16,
        ml_dtypes.bfloat16,
        ml_dtypes.float8_e4m3fn,
        ml_dtypes.float8_e4m3fnuz,
        ml_dtypes.float8_e5m2,
        ml_dtypes.float8_e5m2fnuz,
    )
)


# np.maximum(y, 0) runs NumPy's array-with-scalar loop, which this NumPy does not vectorize; against
# an array of zeros of y's own shape it runs the contiguous SIMD loop (measured 9x faster on 200k
# float32 of mixed sign). The zeros come from one shared read-only buffer per dtype, allocated zeroed
# by the OS (calloc): reading it costs no memory per page.
MASKED_RELU_MIN = 4096
FAST_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_ZEROS: dict[np.dtype, np.ndarray] = {}


def as_array(value, _ndarray=np.ndarray, _asarray=np.asarray):
    """``np.asarray`` of a NumPy function's result (a 0-d input gives a NumPy scalar; kernels return
    arrays), except that an array is returned as it is: a device array (CuPy's, the stand-in's) stays on
    its device, so the kernel runs unchanged for the CUDA provider (kernels/cupy/reused.py)."""
    if value.__class__ is _ndarray:  # the common case first: this runs once per elementwise node
        return value
    if isinstance(value, _ndarray) or hasattr(value, "__cuda_array_interface__"):
        return value
    return _asarray(value)


def zeros_view(shape: tuple, dtype: np.dtype) -> np.ndarray:
    """A read-only array of zeros of ``shape`` and ``dtype``: a view of a shared buffer, no allocation."""
    n = math.prod(shape)
    zeros = _ZEROS.get(dtype)
    if zeros is None or zeros.size < n:
        zeros = np.zeros(max(n, 1 << 16), dtype)
        zeros.flags.writeable = False
        _ZEROS[dtype] = zeros  # replaced whole: a run reading the old buffer still holds it
    return zeros[:n].reshape(shape)


def relu_into(out: np.ndarray, x: np.ndarray) -> np.ndarray:
    """max(x, 0) written into ``out`` (``out`` may be ``x``); NaN stays NaN, as np.maximum keeps it."""
    if out.size >= MASKED_RELU_MIN and out.dtype in FAST_FLOATS and x.dtype == out.dtype and x.shape == out.shape:
        return np.maximum(x, zeros_view(x.shape, x.dtype), out=out)
    return np.maximum(x, 0, out=out)


def is_float(dtype: np.dtype) -> bool:
    """True for every floating type, the ml_dtypes ones (bfloat16, float8 ...) included."""
    return dtype.kind == "f" or dtype in NARROW_FLOATS


def finite_range(dtype: np.dtype) -> tuple:
    """The lowest and the largest finite value of a numeric type (False and True for bool)."""
    if dtype == np.bool_:
        return False, True
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
    elif dtype.kind == "f":
        info = np.finfo(dtype)
    elif is_float(dtype):
        info = ml_dtypes.finfo(dtype)
    else:  # int4, uint4, int2, uint2
        info = ml_dtypes.iinfo(dtype)
    return info.min, info.max


def widen(x: np.ndarray) -> np.ndarray:
    """``x`` as float32 when its float type is narrower, else ``x`` itself (no copy)."""
    return x.astype(np.float32) if x.dtype in NARROW_FLOATS else x


def scratch(y) -> np.ndarray:
    """``y``, a ufunc's fresh result, as an array that later steps may overwrite (``out=``, ``+=``).

    A ufunc whose inputs are all 0-d returns a NumPy scalar, not a 0-d array, and ``out=`` takes
    only arrays: wrap the first step of an in-place chain in this (no copy for an array).
    """
    return as_array(y)


def narrow(y: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """``y`` cast back to the node's type ``dtype`` (no copy when it already is)."""
    return y.astype(dtype, copy=False)


def leaky(x: np.ndarray, slope) -> np.ndarray:
    """max(x, 0) + slope * min(x, 0), i.e. x above 0 and slope * x below (LeakyRelu, PRelu), without
    np.where, a masked select several times slower than these plain passes. NaN stays NaN."""
    xw = widen(x)
    y = scratch(np.minimum(xw, 0))
    y *= slope
    y += np.maximum(xw, 0)
    return narrow(y, x.dtype)


def legacy_broadcast(a: np.ndarray, b: np.ndarray, broadcast: int, axis: int | None, op: str) -> np.ndarray:
    """B reshaped so that NumPy broadcasts it onto A the way opsets before 7 say.

    broadcast=0 asks for equal shapes; broadcast=1 lets B's shape be a contiguous run of A's
    dimensions starting at ``axis`` (suffix matching when axis is unset). The output keeps A's shape.
    """
    if not broadcast:
        if a.shape != b.shape:
            raise ValueError(f"{op}: inputs have shapes {a.shape} and {b.shape}; broadcast=0 needs equal shapes")
        return b
    if axis is not None and b.ndim > 0:
        start = axis + a.ndim if axis < 0 else axis
        if not 0 <= start <= a.ndim - b.ndim:
            raise ValueError(f"{op}: axis={axis} cannot align B of shape {b.shape} inside A of shape {a.shape}")
        b = b.reshape(b.shape + (1,) * (a.ndim - start - b.ndim))
    if np.broadcast_shapes(a.shape, b.shape) != a.shape:
        raise ValueError(f"{op}: B of shape {b.shape} does not broadcast onto A of shape {a.shape} (axis={axis})")
    return b


def int_div_trunc(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Integer a / b rounded toward zero, as C (and so onnxruntime) divides; NumPy floors."""
    if np.any(b == 0):
        raise ValueError("integer division by zero")
    q, r = np.divmod(a, b)
    if a.dtype.kind == "i":
        # Floor and truncation differ only for inexact quotients of mixed sign.
        q += ((r != 0) & ((a < 0) != (b < 0))).astype(q.dtype)
    return q


# erf without SciPy. Coefficients are least-squares Chebyshev fits to math.erf / math.erfc (made once,
# offline, at 500-800 Chebyshev nodes) converted to monomials; evaluated in float64:
#   |x| < 1:       erf(x)  = x * P(x*x)
#   1 <= |x| < M:  erfc(x) = exp(-x*x) * Q(1 / (1 + |x|/2))
#   |x| >= M:      erf(x)  = sign(x), since 1 - erfc(M) rounds to 1 in the target type.
# The float64 set (M=6) has max relative error 1.4e-15; the shorter float32 set (M=4) 4e-11, far
# below float32's half ulp (6e-8): float32 results are the correctly rounded erf but for about one
# value in 10^4 that lies within 4e-11 of a rounding tie and may land one ulp off.
_ERF64 = (
    (
        1.1283791670955126,
        -0.3761263890317492,
        0.11283791670600851,
        -0.02686617058920119,
        0.005223977171559688,
        -0.0008548305513247064,
        0.00012054696303003363,
        -1.4913501486157618e-05,
        1.6312053848242609e-06,
        -1.519625878015946e-07,
        9.444569397207787e-09,
    ),
    (
        1.4320121607856138e-07,
        0.28208923031155414,
        0.2821948050543303,
        0.24572881185472562,
        0.18467009420036543,
        0.037816932395268996,
        0.18422282284053926,
        -0.6440886919117549,
        1.3347790237230233,
        -2.4640773626032395,
        3.2192829185007117,
        -2.7316226638239294,
        1.4568980558209523,
        -0.4498505061853397,
        0.06195712801020274,
    ),
    6.0,
)
_ERF32 = (
    (
        1.1283791670623609,
        -0.37612638475991106,
        0.11283782622060165,
        -0.026865438310443156,
        0.005221053412399614,
        -0.0008484396548904892,
        0.00011268253881642602,
        -9.673590771564806e-06,
    ),
    (
        -0.00015916726927036316,
        0.28498637720923903,
        0.2592251771451558,
        0.34938941715878363,
        -0.10683245957379245,
        0.5671387276289328,
        -0.47374975028540284,
        0.12005975267937341,
    ),
    4.0,
)


def _horner(coeffs: tuple[float, ...], v: np.ndarray) -> np.ndarray:
    r = v * coeffs[-1]
    r += coeffs[-2]
    for c in coeffs[-3::-1]:
        r *= v
        r += c
    return r


def _erf_large(a: np.ndarray, q: tuple[float, ...], one: float) -> np.ndarray:
    """erf of a >= 1, or NaN (a float64 scratch array, overwritten)."""
    np.minimum(a, one, out=a)
    u = np.multiply(a, 0.5)
    u += 1.0
    np.reciprocal(u, out=u)
    r = _horner(q, u)
    np.square(a, out=a)
    np.negative(a, out=a)
    np.exp(a, out=a)
    r *= a
    return np.subtract(1.0, r, out=r)


def erf(x: np.ndarray) -> np.ndarray:
    """The error function, elementwise, of a float array; the result has x's dtype."""
    p, q, one = _ERF32 if x.dtype.itemsize <= 4 else _ERF64
    a = np.abs(x, dtype=np.float64).reshape(-1)
    # Most values are small: P runs over all of them (no gather), the few others are patched in
    # afterwards, found by index (cheaper than boolean masks). NaN goes with the large ones.
    large = np.flatnonzero(np.logical_not(a < 1.0))
    a_large = a[large]
    np.minimum(a, 1.0, out=a)
    r = _horner(p, np.square(a))
    r *= a
    if large.size:
        r[large] = _erf_large(a_large, q, one)
    r = r.reshape(x.shape)
    np.copysign(r, x, out=r)
    return r.astype(x.dtype, copy=False)


def variadic(ufunc: np.ufunc, inputs: tuple[np.ndarray, ...], op: str, *, broadcast: bool = True) -> np.ndarray:
    """ufunc folded over the inputs (Sum, Max, Min, Mean): one output buffer, no temporaries.

    broadcast=False is the rule before opset 8: every input has the same shape.
    """
    if not inputs:
        raise ValueError(f"{op}: needs at least one input")
    if not broadcast and any(t.shape != inputs[0].shape for t in inputs):
        raise ValueError(f"{op}: before opset 8 all inputs need one shape, got {[t.shape for t in inputs]}")
    if len(inputs) == 1:
        return inputs[0]
    # empty_like, not empty: on device arrays (the CUDA provider reuses this) it allocates on the device
    out = np.empty_like(inputs[0], shape=np.broadcast_shapes(*(t.shape for t in inputs)), order="C")
    ufunc(inputs[0], inputs[1], out=out)
    for t in inputs[2:]:
        ufunc(out, t, out=out)
    return out
