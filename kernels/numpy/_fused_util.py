"""Shared by the fused transformer kernels (refrt domain): float32 fast paths for Gelu and for the
row normalisations, written as in-place chains so each call allocates as little as it can."""

from __future__ import annotations

import math

import numpy as np

from refrt.intra_op import run_chunks

from ._elementwise_util import NARROW_FLOATS, erf as erf_exact

# erf(x) = x * P(x^2) / Q(x^2) on [-4, 4], +-1 beyond (erf(4) rounds to 1 in float32): the rational
# approximation of Eigen's generic_fast_erf_float, also XLA's (ErfImpl32), as accurate as
# onnxruntime's MLAS erf. Evaluated in float32 its error is below 4.5e-7 absolute (7 ulp, near
# |x| = 3); 28 float32 passes, no gathers: Gelu of a (1, 128, 3072) tensor takes ~1.2 ms against
# ~4.4 ms for the unfused Div, Erf (float64 inside), Add, Mul, Mul.
_ERF_P = (-2.72614225801306e-10, 2.77068142495902e-08, -2.10102402082508e-06, -5.69250639462346e-05,
          -7.34990630326855e-04, -2.95459980854025e-03, -1.60960333262415e-02)  # x^13 ... x^1
_ERF_Q = (-1.45660718464996e-05, -2.13374055278905e-04, -1.68282697438203e-03, -7.37332916720468e-03,
          -1.42647390514189e-02)  # x^8 ... x^0
_HALF_P = tuple(np.float32(c * 0.5) for c in _ERF_P)  # 0.5 * P, so P / Q is erf / 2 directly
_Q = tuple(np.float32(c) for c in _ERF_Q)
_SQRT1_2 = np.float32(1 / math.sqrt(2))
# 0.5 * (1 + tanh(z)) = 1 / (1 + exp(-2 z)), z = sqrt(2 / pi) * (x + 0.044715 x^3):
# -2 z = x * (_TANH_C1 + _TANH_C3 * x^2); exp is vectorised in NumPy, tanh is not.
_TANH_C1 = -2 * math.sqrt(2 / math.pi)
_TANH_C3 = _TANH_C1 * 0.044715


# Large tensors go through in blocks of this many elements with three scratch buffers reused
# across blocks: each op's operands then stay in cache, and no full-size temporary is allocated
# (a (8, 128, 3072) Gelu takes ~10 ms in blocks against ~18 ms whole).
BLOCK = 1 << 17
# A chunk for another thread pays from about this many elements: waking a pool thread costs tens of
# microseconds to a millisecond on a virtual machine whose idle CPUs halt.
PARALLEL_MIN_ELEMENTS = 1 << 20


def half_erf_f32(t: np.ndarray, t2: np.ndarray | None = None, p: np.ndarray | None = None) -> np.ndarray:
    """erf(t) / 2 of a float32 array ``t``, which it overwrites (clamped to [-4, 4], then Q's scratch);
    ``t2`` and ``p``, if given, are scratch buffers of t's shape (p receives the result)."""
    np.clip(t, np.float32(-4), np.float32(4), out=t)  # NaN stays NaN
    t2 = np.square(t, out=t2)
    p = np.multiply(t2, _HALF_P[0], out=p)
    p += _HALF_P[1]
    for c in _HALF_P[2:]:
        p *= t2
        p += c
    p *= t
    q = np.multiply(t2, _Q[0], out=t)
    q += _Q[1]
    for c in _Q[2:]:
        q *= t2
        q += c
    p /= q
    return p


@np.errstate(over="ignore", invalid="ignore")  # exp overflows to inf for very negative x (-> -0); -inf * 0 is NaN
def gelu(x: np.ndarray, approximate: str = "none", out: np.ndarray | None = None) -> np.ndarray:
    """x * Phi(x), exactly (erf) or by the tanh estimate, in float32 (float64 stays float64).

    ``out`` may be ``x`` itself, a fresh array the caller owns (BiasGelu's x + bias).
    """
    if approximate not in ("none", "tanh"):
        raise ValueError(f"Gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    if x.ndim == 0:  # ufuncs give 0-d results back as NumPy scalars, which out= cannot take
        return gelu(x.reshape(1), approximate).reshape(())
    if x.dtype in NARROW_FLOATS:
        return gelu(x.astype(np.float32), approximate).astype(x.dtype)
    if out is not None and not (out.flags.c_contiguous and out.shape == x.shape and out.dtype == x.dtype):
        out = None
    if x.size <= BLOCK:
        return _gelu_block(x, approximate, out, (None, None, None))
    flat = np.ascontiguousarray(x).reshape(-1)
    result = np.empty_like(flat) if out is None else out.reshape(-1)

    @np.errstate(over="ignore", invalid="ignore")  # errstate is per thread: the chunk's own
    def blocks(first: int, last: int) -> None:  # blocks first..last-1, with scratch of their own
        scratch = [np.empty(BLOCK, x.dtype) for _ in range(3)]
        for start in range(first * BLOCK, min(last * BLOCK, flat.size), BLOCK):
            stop = min(start + BLOCK, flat.size)
            _gelu_block(flat[start:stop], approximate, result[start:stop], [b[: stop - start] for b in scratch])

    run_chunks(blocks, -(-flat.size // BLOCK), PARALLEL_MIN_ELEMENTS // BLOCK)
    return result.reshape(x.shape)


def _gelu_block(x: np.ndarray, approximate: str, out, scratch) -> np.ndarray:
    a, b, c = scratch
    if approximate == "tanh":
        y = np.square(x, out=a)
        y *= x.dtype.type(_TANH_C3)
        y += x.dtype.type(_TANH_C1)
        y *= x
        np.exp(y, out=y)
        y += 1
        return np.divide(x, y, out=y if out is None else out)
    if x.dtype == np.float32:
        phi = half_erf_f32(np.multiply(x, _SQRT1_2, out=a), b, c)
    else:  # float64: the exact erf
        phi = erf_exact(np.multiply(x, 1 / math.sqrt(2)))
        phi *= 0.5
    phi += 0.5
    return np.multiply(phi, x, out=phi if out is None else out)


def compute_dtype(dtype: np.dtype) -> np.dtype:
    """float64 stays float64; every other float type normalises in float32 (stash_type's default)."""
    return np.dtype(np.float64) if dtype == np.float64 else np.dtype(np.float32)


def layer_norm_rows(rows: np.ndarray, scale, bias, epsilon: float, out: np.ndarray | None = None) -> np.ndarray:
    """Each row of a 2-D array standardised, times scale, plus bias (both broadcast over a row).

    ``out`` (may be ``rows`` itself) receives the result; rows' dtype is the compute type.
    """
    n, d = rows.shape
    inv_d = 1.0 / max(d, 1)
    mean = rows.sum(axis=1)
    mean *= inv_d
    y = np.subtract(rows, mean[:, None], out=out)
    var = np.einsum("ij,ij->i", y, y)  # one pass over the centred rows, no squared temporary
    var *= inv_d
    var += epsilon
    np.sqrt(var, out=var)
    np.reciprocal(var, out=var)
    y *= var[:, None]
    y *= scale
    if bias is not None:
        y += bias
    return y


def rms_norm_rows(rows: np.ndarray, scale, epsilon: float) -> np.ndarray:
    """Each row of a 2-D array over its root mean square (plus epsilon), times scale: a new array."""
    n, d = rows.shape
    ms = np.einsum("ij,ij->i", rows, rows)
    ms *= 1.0 / max(d, 1)
    ms += epsilon
    np.sqrt(ms, out=ms)
    np.reciprocal(ms, out=ms)
    y = np.multiply(rows, ms[:, None])
    y *= scale
    return y
