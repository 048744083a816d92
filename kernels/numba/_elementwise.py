"""Shared by the Numba elementwise and normalisation kernels: compile settings, the float32 Gelu
(the NumPy provider's erf polynomial, operation for operation) and the row loops of the
normalisations (LayerNormalization, SkipLayerNormalization, RMSNormalization, Softmax).

``jit`` / ``pjit`` are numba.njit with ``cache=True, nogil=True`` as in _jit, plus
``error_model="numpy"``: a float division by zero gives inf/NaN as NumPy's does instead of raising
ZeroDivisionError, and the division-by-zero check no longer keeps LLVM from vectorising a loop.
``pjit`` adds ``parallel=True``; the same Python function is compiled both ways and ``pick`` chooses
the parallel one for large inputs when the session allows more than one thread. ``sum_jit`` adds
``fastmath={"reassoc"}`` for the row sums only (reassociation lets LLVM vectorise a float
reduction; the NumPy kernels' pairwise / einsum orders are not reproducible anyway), accumulating in
float64: the statistics agree with the NumPy kernels' to an ulp or two of float32.

No other fast-math anywhere: elementwise work is the same IEEE float32 operations in the same order
as the NumPy kernels (products and sums are never contracted into FMAs), so Gelu (erf form) and the
elementwise part of the normalisations give bit-identical results for identical statistics.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from numba import prange

from refrt import intra_op

from ._jit import PARALLEL, set_threads

jit = numba.njit(cache=True, nogil=True, error_model="numpy")
pjit = numba.njit(cache=True, nogil=True, error_model="numpy", parallel=PARALLEL)  # see _jit.PARALLEL
sum_jit = numba.njit(cache=True, nogil=True, error_model="numpy", fastmath={"reassoc"})

# Below this many elements a parallel call's thread wake-up costs more than it saves.
PARALLEL_MIN = 1 << 20  # elements: as _jit.PARALLEL_MIN_WORK (launching Numba's pool costs up to ~1 ms here)


def both(fn):
    """(serial, parallel) compilations of one Python function written with prange; while kernels compile
    serial (_jit.PARALLEL) both are the one serial compilation, not two identical ones."""
    serial = jit(fn)
    return serial, (pjit(fn) if PARALLEL else serial)


def pick(pair, size: int):
    """The serial or the parallel compilation of ``pair`` for ``size`` elements (threads set)."""
    if size >= PARALLEL_MIN and intra_op.threads() > 1 and numba.config.NUMBA_NUM_THREADS > 1:
        set_threads(size)
        return pair[1]
    return pair[0]


def f32_contiguous(*arrays) -> bool:
    """Every array given (None skipped) is a C-contiguous float32 ndarray."""
    for a in arrays:
        if a is not None and not (a.__class__ is np.ndarray and a.dtype == np.float32 and a.flags.c_contiguous):
            return False
    return True


# -- Gelu ----------------------------------------------------------------------------------------
# The constants of kernels/numpy/_fused_util.py, as float32 scalars (numba keeps them float32).
_f = np.float32
_HP0, _HP1, _HP2, _HP3, _HP4, _HP5, _HP6 = (_f(c * 0.5) for c in (
    -2.72614225801306e-10, 2.77068142495902e-08, -2.10102402082508e-06, -5.69250639462346e-05,
    -7.34990630326855e-04, -2.95459980854025e-03, -1.60960333262415e-02))
_Q0, _Q1, _Q2, _Q3, _Q4 = (_f(c) for c in (
    -1.45660718464996e-05, -2.13374055278905e-04, -1.68282697438203e-03, -7.37332916720468e-03,
    -1.42647390514189e-02))
_SQRT1_2 = _f(1 / math.sqrt(2))
_FOUR = _f(4)
_MFOUR = _f(-4)
_HALF = _f(0.5)


@jit
def gelu_erf32(x):
    """x * (0.5 + erf(x / sqrt 2) / 2) of a float32 x, step for step as _fused_util._gelu_block."""
    t = x * _SQRT1_2
    if t > _FOUR:  # np.clip: NaN stays NaN
        t = _FOUR
    elif t < _MFOUR:
        t = _MFOUR
    t2 = t * t
    p = t2 * _HP0 + _HP1
    p = p * t2 + _HP2
    p = p * t2 + _HP3
    p = p * t2 + _HP4
    p = p * t2 + _HP5
    p = p * t2 + _HP6
    p = p * t
    q = t2 * _Q0 + _Q1
    q = q * t2 + _Q2
    q = q * t2 + _Q3
    q = q * t2 + _Q4
    return (p / q + _HALF) * x


# Every loop below indexes row slices from 0 (``xs = x[r * d:(r + 1) * d]``, then ``xs[j]``): with
# ``x[base + j]`` numba's negative-index wraparound check keeps LLVM from vectorising (measured 5x
# slower on a LayerNormalization of 128 x 768).


def _bias_gelu_rows(x, bias, out, rows, d):
    """out[r, j] = gelu(x[r, j] + bias[j]) over flat float32 arrays (the sum rounded to float32)."""
    for r in prange(rows):
        xs = x[r * d:(r + 1) * d]
        os = out[r * d:(r + 1) * d]
        for j in range(d):
            os[j] = gelu_erf32(xs[j] + bias[j])


def _bias_gelu_rows_inplace(x, bias, rows, d):
    """_bias_gelu_rows with out = x, written with one array: two array arguments sharing a buffer
    fail LLVM's runtime alias check and run the scalar loop (~4x slower)."""
    for r in prange(rows):
        xs = x[r * d:(r + 1) * d]
        for j in range(d):
            xs[j] = gelu_erf32(xs[j] + bias[j])


def _gelu_flat(x, out, blocks, block):
    n = x.size
    for b in prange(blocks):
        xs = x[b * block:min(n, (b + 1) * block)]
        os = out[b * block:min(n, (b + 1) * block)]
        for i in range(xs.size):
            os[i] = gelu_erf32(xs[i])


BIAS_GELU = both(_bias_gelu_rows)
BIAS_GELU_INPLACE = both(_bias_gelu_rows_inplace)
GELU = both(_gelu_flat)
GELU_BLOCK = 1 << 14


def gelu_f32(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Gelu (erf form) of a C-contiguous float32 array (``out``, if given, a C-contiguous float32
    array of x's shape other than x)."""
    if out is None:
        out = np.empty_like(x)
    flat = x.reshape(-1)
    blocks = -(-flat.size // GELU_BLOCK)
    pick(GELU, flat.size)(flat, out.reshape(-1), blocks, GELU_BLOCK)
    return out


# -- row normalisations ----------------------------------------------------------------------------
@sum_jit
def row_sum(x):
    s = 0.0
    for j in range(x.size):
        s += x[j]
    return s


@sum_jit
def row_sum_sq_centered(x, mean):
    """sum((x - mean)^2), the difference rounded to x's type first (NumPy's centred rows)."""
    s = 0.0
    for j in range(x.size):
        c = x[j] - mean
        s += c * c
    return s


@sum_jit
def row_sum_sq(x):
    s = 0.0
    for j in range(x.size):
        v = x[j]
        s += v * v
    return s


@jit
def row_max(x):
    """The largest of x (size >= 1), NaN if any is NaN (as np.max)."""
    m = x[0]
    for j in range(1, x.size):
        v = x[j]
        if v > m or v != v:
            m = v
    return m


def _layer_norm_rows(src, scale, bias, out, stats, rows, d, inv_d, eps, divide, has_bias, want_stats):
    """Each row of flat float32 ``src`` (rows x d): standardised, times scale, plus bias, into ``out``
    (not ``src``'s buffer).

    The statistics rounded as the NumPy kernels round them, in float32: the mean and the variance of
    the centred row either times ``inv_d`` (_fused_util.layer_norm_rows) or divided by d
    (_norm_util.standardize_rows), then 1 / sqrt(var + eps); then ((x - mean) * inv_std) * scale + bias
    element by element. ``stats`` (rows x 2, float32) receives the mean and 1/std when ``want_stats``.
    """
    fd = np.float32(d)
    for r in prange(rows):
        xs = src[r * d:(r + 1) * d]
        os = out[r * d:(r + 1) * d]
        s = np.float32(row_sum(xs))
        mean = s / fd if divide else s * inv_d
        v = np.float32(row_sum_sq_centered(xs, mean))
        var = v / fd if divide else v * inv_d
        inv_std = np.float32(1) / np.sqrt(var + eps)
        if want_stats:
            stats[r, 0] = mean
            stats[r, 1] = inv_std
        if has_bias:
            for j in range(d):
                os[j] = (xs[j] - mean) * inv_std * scale[j] + bias[j]
        else:
            for j in range(d):
                os[j] = (xs[j] - mean) * inv_std * scale[j]


def _skip_layer_norm_rows(x, skip, bias, gamma, beta, out, total, rows, d, skip_rows, inv_d, eps,
                          has_bias, has_beta, want_sum):
    """SkipLayerNormalization over flat float32 rows: the sum (x[r] + bias) + skip[r % skip_rows]
    (rounded to float32 at each add, as the unfused Adds), then layer_norm_rows' arithmetic into
    ``out`` (may be ``x``); ``total`` receives the sum when ``want_sum``.

    The sum goes through a row-sized scratch buffer: every loop then reads and writes distinct
    arrays, which LLVM's runtime alias checks need to take the vectorised path (a loop reading x
    and writing out, with out x's own buffer, runs scalar).
    """
    for r in prange(rows):
        t = np.empty(d, np.float32)
        xs = x[r * d:(r + 1) * d]
        ss = skip[(r % skip_rows) * d:(r % skip_rows + 1) * d]
        if has_bias:
            for j in range(d):
                t[j] = (xs[j] + bias[j]) + ss[j]
        else:
            for j in range(d):
                t[j] = xs[j] + ss[j]
        mean = np.float32(row_sum(t)) * inv_d
        v = np.float32(row_sum_sq_centered(t, mean))
        inv_std = np.float32(1) / np.sqrt(v * inv_d + eps)
        if want_sum:
            ts = total[r * d:(r + 1) * d]
            for j in range(d):
                ts[j] = t[j]
        os = out[r * d:(r + 1) * d]
        if has_beta:
            for j in range(d):
                os[j] = (t[j] - mean) * inv_std * gamma[j] + beta[j]
        else:
            for j in range(d):
                os[j] = (t[j] - mean) * inv_std * gamma[j]


def _rms_norm_rows(src, scale, out, rows, d, inv_d, eps, divide):
    """x * (1 / sqrt(mean(x^2) + eps)) * scale per row, in float32 (mean as x^2's sum divided by d,
    the standard kernel, or times inv_d, the refrt one); ``out`` is not ``src``'s buffer."""
    fd = np.float32(d)
    for r in prange(rows):
        xs = src[r * d:(r + 1) * d]
        os = out[r * d:(r + 1) * d]
        v = np.float32(row_sum_sq(xs))
        ms = v / fd if divide else v * inv_d
        inv = np.float32(1) / np.sqrt(ms + eps)
        for j in range(d):
            os[j] = xs[j] * inv * scale[j]


def _softmax_rows(x, out, rows, d, log):
    """Softmax (or LogSoftmax) of each row of flat float32 ``x`` into ``out`` (another buffer):
    y = x - max; exp(y) / sum, or y - log(sum(exp(y))), as kernels/numpy/op_softmax.py does (libm's
    expf / logf here, NumPy's SIMD ones there: an ulp apart at most)."""
    for r in prange(rows):
        xs = x[r * d:(r + 1) * d]
        os = out[r * d:(r + 1) * d]
        m = row_max(xs)
        if log:
            for j in range(d):
                os[j] = np.float32(math.exp(xs[j] - m))
            ls = np.float32(math.log(np.float32(row_sum(os))))
            for j in range(d):
                os[j] = (xs[j] - m) - ls
        else:
            for j in range(d):
                os[j] = np.float32(math.exp(xs[j] - m))
            s = np.float32(row_sum(os))
            for j in range(d):
                os[j] = os[j] / s


LAYER_NORM = both(_layer_norm_rows)
SKIP_LAYER_NORM = both(_skip_layer_norm_rows)
RMS_NORM = both(_rms_norm_rows)
SOFTMAX = both(_softmax_rows)
