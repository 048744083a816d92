"""Compiled loops shared by the Numba provider's convolution and pooling kernels (2-D, NCHW, C order).

Every loop runs over the output one (image, channel) plane per ``prange`` iteration and one output row
at a time, so the row being built stays in L1 while all its taps are added; the pooling loop never
materialises padding (out-of-range taps are skipped: exactly the zeros the NumPy kernel adds).

- ``direct_conv2d``: a direct (grouped) convolution over zero-padded, flattened planes (``flat_padded``). Per output pixel the products are added in
  (input channel, kernel row, kernel column) order, starting from zero: a plain dot product where the
  NumPy kernel's BLAS uses its own blocking, so results agree to rounding, not bit for bit. Bias,
  residual Z, Relu or Clip follow in the NumPy kernel's order (y + b, then + z, then the activation).
- ``avg_pool2d``: separable like kernels/numpy/_pool_util.py (kernel rows first, then kernel columns,
  taps in order), so the sums are the same numbers bit for bit; it divides by the same per-window counts.

Measured slower than the NumPy kernels and therefore not kept (single thread, this machine): a
separable MaxPool loop (3x3 stride 2 on 64x112x112: 1.7-2.4 ms against 0.9-1.4 ms; the NumPy kernel's
whole-array np.maximum passes are already vectorized), GlobalAveragePool replaying NumPy's pairwise
sum (1000x13x13: 132 against 78 us) and GlobalMaxPool (148 against 68 us): those ops run on the next
provider (the NumPy one).
"""

from __future__ import annotations

import numpy as np
from numba import prange, uint64 as U

from ._jit import njit, parallel_njit

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


@parallel_njit
def avg_pool2d(x, y, counts, kh_n, kw_n, sh, sw, dh, dw, pt, pl, zero):
    """Window sums (kernel rows first, then columns, as the NumPy kernel) divided by ``counts``."""
    n_img, ch, h, wd = x.shape
    oh_n, ow_n = y.shape[2], y.shape[3]
    for t in prange(n_img * ch):
        n = U(t // ch)
        c = U(t % ch)
        col = np.empty(wd, x.dtype)
        for oh in range(oh_n):
            first = True
            for kh in range(kh_n):
                ih = oh * sh - pt + kh * dh
                if ih < 0 or ih >= h:
                    continue
                i = U(ih)
                if first:
                    for iw in range(U(wd)):
                        col[iw] = x[n, c, i, iw]
                    first = False
                else:
                    for iw in range(U(wd)):
                        col[iw] += x[n, c, i, iw]
            if first:
                for iw in range(U(wd)):
                    col[iw] = zero
            o = U(oh)
            for ow in range(U(ow_n)):
                y[n, c, o, ow] = zero
            for k in range(kw_n):  # taps in order; a skipped pad column adds the NumPy kernel's zero
                ow0, ow1, base = _tap_range(k, ow_n, wd, sw, dw, pl)
                for j in range(U(ow1 - ow0)):
                    y[n, c, o, U(ow0) + j] += col[base + U(sw) * j]
            for ow in range(U(ow_n)):
                y[n, c, o, ow] /= counts[o, ow]
    return y




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


def run_avg_pool(x, geo, counts):
    """AveragePool's Y for a ``poolable`` x; ``counts`` (out_shape, x's type): the per-window divisors."""
    if not all(geo.out_shape):
        return None
    from ._jit import set_threads

    y = np.empty(x.shape[:2] + geo.out_shape, x.dtype)
    set_threads(y.size * geo.kernel[0] * geo.kernel[1])
    return avg_pool2d(np.ascontiguousarray(x), y, counts, geo.kernel[0], geo.kernel[1], geo.strides[0],
                      geo.strides[1], geo.dilations[0], geo.dilations[1], geo.begin[0], geo.begin[1],
                      x.dtype.type(0))


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


@njit
def _larger(a, b):
    """np.maximum's choice: the larger, and NaN wherever either is NaN."""
    return a if (a >= b or a != a) else b


@njit
def max_pool2d(x, y, kh_n, kw_n, sh, sw, dh, dw, pt, pl, low):
    """Window maxima, separable as the NumPy kernel (kernel rows into a padded row buffer, then kernel
    columns); padding is ``low`` (never chosen over a value, as the NumPy kernel's padding) and NaN wins."""
    n_img, ch, h, wd = x.shape
    oh_n, ow_n = y.shape[2], y.shape[3]
    need = (ow_n - 1) * sw + (kw_n - 1) * dw + 1
    col = np.empty(max(need, pl + wd), x.dtype)
    col[:] = low
    cv = col[pl:pl + wd]
    swu = U(sw)
    for t in range(n_img * ch):
        n = U(t // ch)
        c = U(t % ch)
        for oh in range(oh_n):
            first = True
            for kh in range(kh_n):
                ih = oh * sh - pt + kh * dh
                if ih < 0 or ih >= h:
                    continue
                row = x[n, c, U(ih)]
                if first:
                    cv[:] = row
                    first = False
                else:
                    for iw in range(U(wd)):
                        cv[iw] = _larger(cv[iw], row[iw])
            yr = y[n, c, U(oh)]
            if first:
                yr[:] = low
                continue
            for ow in range(U(ow_n)):
                yr[ow] = col[ow * swu]
            for k in range(1, kw_n):
                tap = col[k * dw:]
                for ow in range(U(ow_n)):
                    yr[ow] = _larger(yr[ow], tap[ow * swu])
    return y
