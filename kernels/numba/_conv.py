"""Compiled loops shared by the Numba provider's convolution and pooling kernels (2-D, NCHW, C order).

- ``direct_conv2d``: a direct (grouped) convolution over zero-padded, flattened planes (``flat_padded``), one
  (image, channel) plane per iteration. Per output pixel the products are added in (input channel, kernel
  row, kernel column) order, starting from zero: a plain dot product where the NumPy kernel's BLAS uses its
  own blocking, so results agree to rounding, not bit for bit. Bias, residual Z, Relu or Clip follow in the
  NumPy kernel's order (y + b, then + z, then the activation).
- ``conv_epilogue``: the bias / residual / Relu / Clip steps after a BLAS convolution, one pass per block.
- ``pool2d``: MaxPool and AveragePool, separable like kernels/numpy/_pool_util.py (kernel rows first, then
  kernel columns, taps in order, over a padded copy holding the same pad values), so results are the same
  numbers bit for bit; an average divides by the same per-window counts. Per plane: a padded buffer, then
  one long contiguous pass per kernel row, then one pass per kernel column, where the NumPy kernel makes a
  whole-array strided pass per tap. Measured (single thread, float32, NumPy kernel -> this): MaxPool 3x3
  stride 2 pad 1 on 64x112x112 0.88 -> 0.55 ms, 3x3 stride 1 pad 1 on 256x28x28 0.49 -> 0.40 ms, on
  576x14x14 0.39 -> 0.35 ms, 2x2 stride 2 on 64x224x224 1.96 -> 1.52 ms, on 16x28x28 33 -> 12 us;
  AveragePool 3x3 stride 1 pad 1 on 256x28x28 0.57 -> 0.39 ms, on 576x14x14 0.46 -> 0.36 ms, 2x2 stride 2
  on 64x224x224 2.09 -> 1.41 ms. (A first MaxPool loop that wrote np.maximum's NaN rule as one
  `x >= y or x != x` select was left scalar by LLVM and lost on every large shape; see ``_larger``.)

Measured slower than the NumPy kernels and therefore not kept (single thread, this machine):
GlobalAveragePool replaying NumPy's pairwise sum (1000x13x13: 132 against 78 us) and GlobalMaxPool (148
against 68 us); an im2col loop (per band of output rows) for the BLAS convolutions (3x slower than
NumPy's strided copy on VGG's and ResNet's shapes): those run on the NumPy provider.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import prange, uint64 as U

from ._jit import PARALLEL_MIN_WORK, njit, parallel_njit

ACT_NONE, ACT_RELU, ACT_CLIP = 0, 1, 2


@parallel_njit
def direct_conv2d(xp, w, offs, b, z, y, group, step, pitch, act, zero, lo, hi, has_b, has_z):
    """y[n, m] = act(sum over its group's channels and the kernel taps of w * x (+ b[m]) (+ z[n, m])).

    ``xp`` (N, C, L): each padded input plane flattened with a row length Wp that ``step`` (the column
    stride) divides; ``offs[k]``: where tap k starts in it. Output pixel (oh, ow) is accumulated at
    q = oh * pitch + ow of a flat row whose pixel q reads xp[..., offs[k] + step * q], so every tap
    is one long, vectorizable pass over the plane (the pitch - OW columns past each row are computed
    and dropped). Indices are unsigned: a signed index carries Numba's negative-index wraparound, which
    stops LLVM from vectorizing (measured 1.8 against 23 GFLOP/s on a row update)."""
    n_img = xp.shape[0]
    m_all, cg, taps = w.shape
    oh_n, ow_n = y.shape[2], y.shape[3]
    q_n = U((oh_n - 1) * pitch + ow_n)
    mg = m_all // group
    st = U(step)
    for t in prange(n_img * m_all):
        n = U(t // m_all)
        m = U(t % m_all)
        c0 = (t % m_all) // mg * cg
        acc = np.empty(q_n, y.dtype)
        for q in range(q_n):
            acc[q] = zero
        for c in range(cg):
            ci = U(c0 + c)
            for k in range(taps):
                wv = w[m, U(c), U(k)]
                base = U(offs[k])
                if st == 1:
                    for q in range(q_n):
                        acc[q] += wv * xp[n, ci, base + q]
                elif st == 2:
                    for q in range(q_n):
                        acc[q] += wv * xp[n, ci, base + U(2) * q]
                else:
                    for q in range(q_n):
                        acc[q] += wv * xp[n, ci, base + st * q]
        for oh in range(oh_n):
            o = U(oh)
            row0 = U(oh * pitch)
            for ow in range(U(ow_n)):
                y[n, m, o, ow] = acc[row0 + ow]
            _epilogue(y, b, z, n, m, o, U(ow_n), act, zero, lo, hi, has_b, has_z)
    return y


@njit
def _epilogue(y, b, z, n, m, o, ow_n, act, zero, lo, hi, has_b, has_z):
    """+ b[m], + z, then Relu or Clip on one output row, in the NumPy kernel's order."""
    if has_b:
        bv = b[m]
        for ow in range(ow_n):
            y[n, m, o, ow] += bv
    if has_z:
        for ow in range(ow_n):
            y[n, m, o, ow] += z[n, m, o, ow]
    if act == ACT_RELU:
        _relu_row(y[n, m, o, :ow_n], lo, hi)
    elif act == ACT_CLIP:
        _clip_row(y[n, m, o, :ow_n], lo, hi)


@njit
def _tap_range(k, ow_n, wd, sw, dw, pl):
    """(ow0, ow1, first input column) of the outputs whose kernel column k lies inside the row."""
    off = k * dw - pl
    ow0 = 0 if off >= 0 else (-off + sw - 1) // sw
    ow1 = min(ow_n, (wd - 1 - off) // sw + 1) if wd - 1 - off >= 0 else 0
    if ow1 < ow0:
        ow1 = ow0
    return ow0, ow1, U(ow0 * sw + off)


def flat_padded(x, geo, dtype):
    """(xp, offs, step, pitch) for ``direct_conv2d``: x zero-padded, each plane flattened with a row
    length the column stride divides, long enough for the last tap's pass over the dropped columns."""
    n, c, h, w = x.shape
    (kh, kw), (sh, sw), (dh, dw) = geo.kernel, geo.strides, geo.dilations
    oh, ow = geo.out_shape
    wp = w + geo.begin[1] + geo.end[1]
    wp += -wp % sw
    pitch = sh * wp // sw
    offs = np.array([i * dh * wp + j * dw for i in range(kh) for j in range(kw)], np.int64)
    need = int(offs[-1]) + sw * ((oh - 1) * pitch + ow - 1) + 1
    rows = max(h + geo.begin[0] + geo.end[0], -(-need // wp))
    xp = np.zeros((n, c, rows, wp), dtype)
    xp[:, :, geo.begin[0]:geo.begin[0] + h, geo.begin[1]:geo.begin[1] + w] = x
    return xp.reshape(n, c, rows * wp), offs, sw, pitch


POOL_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def poolable(x) -> bool:
    """The cases the compiled pools cover: float32/float64 NCHW with something to compute."""
    return x.dtype in POOL_DTYPES and x.ndim == 4 and x.size > 0


def run_pool(x, geo, is_max: bool, counts=None):
    """MaxPool's or AveragePool's Y for a ``poolable`` x (2-D windows): planes split across the session's
    threads for large inputs. ``counts`` (out_shape, x's type): an average's per-window divisors."""
    from refrt import intra_op
    from refrt.kernels.numpy._conv_util import lowest

    y = np.empty(x.shape[:2] + geo.out_shape, x.dtype)
    xc = np.ascontiguousarray(x)
    pad = x.dtype.type(lowest(x.dtype)) if is_max else x.dtype.type(0)
    cnt = counts if counts is not None else _NO_COUNTS[x.dtype.char]
    args = (geo.kernel[0], geo.kernel[1], geo.strides[0], geo.strides[1], geo.dilations[0], geo.dilations[1],
            geo.begin[0], geo.begin[1], pad, is_max, cnt)
    planes = x.shape[0] * x.shape[1]
    plane_work = max(1, x[0, 0].size * (geo.kernel[0] + geo.kernel[1]))
    if x.size * (geo.kernel[0] + geo.kernel[1]) >= PARALLEL_MIN_WORK:
        intra_op.run_chunks(lambda a, b: pool2d(xc, y, a, b, *args), planes, max(1, PARALLEL_MIN_WORK // 2 // plane_work))
    else:
        pool2d(xc, y, 0, planes, *args)
    return y


_NO_COUNTS = {t.char: np.ones((1, 1), t) for t in (np.dtype(np.float32), np.dtype(np.float64))}


@njit
def conv_epilogue(y, b, z, first, last, act, zero, lo, hi, has_b, has_z):
    """Planes first..last of y (N, M, P), in place: + b[m], + z, then Relu (lo = 0, hi = inf in y's type) or
    Clip, the plane in blocks
    that stay in L1 between the steps (the NumPy epilogue makes one whole-array pass per step). Same
    operations in the same order: the same numbers. Each step is its own flag-free loop (one loop
    testing the flags per element was not vectorized: 3x slower)."""
    m_all, p_n = y.shape[1], y.shape[2]
    block = 2048
    for t in range(first, last):
        row = y[U(t // m_all), U(t % m_all)]
        zr = z[U(t // m_all), U(t % m_all)] if has_z else row
        bv = b[U(t % m_all)] if has_b else zero
        for q0 in range(0, p_n, block):
            r = row[q0:min(p_n, q0 + block)]
            if has_b:
                _add_scalar(r, bv)
            if has_z:
                _add_row(r, zr[q0:min(p_n, q0 + block)])
            if act == ACT_RELU:
                _relu_row(r, lo, hi)
            elif act == ACT_CLIP:
                _clip_row(r, lo, hi)


@njit
def _add_scalar(r, v):
    for q in range(U(r.shape[0])):
        r[q] += v


@njit
def _add_row(r, z):
    for q in range(U(r.shape[0])):
        r[q] += z[q]


@njit
def _relu_row(r, zero, inf):
    """r = np.maximum(r, 0): NaN stays, -0.0 becomes 0.0 (np.maximum returns its second operand on a tie).
    The second select (against inf) changes nothing, but without it LLVM leaves the loop scalar (4x slower)."""
    for q in range(U(r.shape[0])):
        v = r[q]
        v = v if (v > zero or v != v) else zero
        r[q] = v if (v < inf or v != v) else inf


@njit
def _clip_row(r, lo, hi):
    """r = np.clip(r, lo, hi): NaN and -0.0 stay."""
    for q in range(U(r.shape[0])):
        v = r[q]
        v = lo if v < lo else v
        r[q] = hi if v > hi else v


@numba.njit(inline="always")
def _larger(x, y):
    """np.maximum(x, y) on an array: NaN wins, a tie gives y (so -0.0 vs 0.0 gives y). Written as three
    selects, the form LLVM vectorizes (one `x >= y or x != x` select is left scalar: 3x slower)."""
    m = y if y >= x else x
    m = x if x != x else m
    return y if y != y else m


@njit
def pool2d(x, y, first, last, kh_n, kw_n, sh, sw, dh, dw, pt, pl, pad, is_max, counts):
    """Planes first..last (image * channels + channel) of a window max (``is_max``) or average, separable as
    kernels/numpy/_pool_util.py: each plane is copied into a padded buffer (``pad``: the lowest value for
    max, zero for average, in the same places as the NumPy kernel's padded copy), kernel rows are combined
    into whole padded rows (one long contiguous pass per tap), then kernel columns (taps in order), and an
    average divides by ``counts`` (OH, OW). The same operations in the same order: identical results."""
    n_img, ch, h, wd = x.shape
    oh_n, ow_n = y.shape[2], y.shape[3]
    wp = max(pl + wd, (ow_n - 1) * sw + (kw_n - 1) * dw + 1)
    hp = max(pt + h, (oh_n - 1) * sh + (kh_n - 1) * dh + 1)
    xp = np.empty(hp * wp, x.dtype)
    xp[:] = pad
    v = np.empty(wp, x.dtype)
    swu = U(sw)
    for t in range(first, last):
        n = U(t // ch)
        c = U(t % ch)
        for ih in range(h):  # the interior; the padding cells keep ``pad`` (explicit loops: Numba's slice
            src = x[n, c, U(ih)]  # assignment measured 1.6x slower here)
            dst = xp[(ih + pt) * wp + pl:]
            for iw in range(U(wd)):
                dst[iw] = src[iw]
        for oh in range(oh_n):
            top = oh * sh * wp
            r0 = xp[top:]
            for j in range(U(wp)):
                v[j] = r0[j]
            for kh in range(1, kh_n):
                rk = xp[top + kh * dh * wp:top + kh * dh * wp + wp]
                if is_max:
                    for j in range(U(wp)):
                        v[j] = _larger(v[j], rk[j])
                else:
                    for j in range(U(wp)):
                        v[j] += rk[j]
            yr = y[n, c, U(oh)]
            if swu == 1:
                for ow in range(U(ow_n)):
                    yr[ow] = v[ow]
                for k in range(1, kw_n):
                    vk = v[k * dw:]
                    if is_max:
                        for ow in range(U(ow_n)):
                            yr[ow] = _larger(yr[ow], vk[ow])
                    else:
                        for ow in range(U(ow_n)):
                            yr[ow] += vk[ow]
            else:
                for ow in range(U(ow_n)):
                    yr[ow] = v[ow * swu]
                for k in range(1, kw_n):
                    vk = v[k * dw:]
                    if is_max:
                        for ow in range(U(ow_n)):
                            yr[ow] = _larger(yr[ow], vk[ow * swu])
                    else:
                        for ow in range(U(ow_n)):
                            yr[ow] += vk[ow * swu]
            if not is_max:
                cr = counts[U(oh)]
                for ow in range(U(ow_n)):
                    yr[ow] /= cr[ow]
