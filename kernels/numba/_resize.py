"""Compiled loops of the Numba provider's Resize (kernels/numba/op_resize.py): 2-D resampling of
(planes, H, W) float32 arrays from per-axis taps and weights that kernels/numpy/_resize_util.py computes
(the same index and weight arrays the NumPy kernel uses), so only the per-pixel arithmetic is compiled,
in the NumPy kernel's operation order:

- ``nearest2d``: y[p, i, j] = x[p, ih[i], iw[j]] (a copy: exact);
- ``linear2d``: onnxruntime's bilinear sum as kernels/numpy/_resize_util._linear forms it: corner
  coefficients ww * wh in float32 (innermost axis' weight first), terms coefficient * sample, added
  corner by corner (x[h1, w1], x[h1, w2], x[h2, w1], x[h2, w2]) in float32: the same IEEE operations in
  the same order, so bit for bit the NumPy kernel's result;
- ``cubic2d``: the separable cubic passes of _resize_util._taps_pass, W first then H, each tap added
  in order to a float64 accumulator starting from 0, the H pass reading the W pass's float64 rows, the
  result rounded to float32 once: bit for bit too. An axis the NumPy kernel skips (scale 1) gets one tap
  of weight 1.0 here, which leaves every float64 value unchanged.
"""

from __future__ import annotations

import numpy as np

from ._jit import njit


@njit
def nearest2d(x, ih, iw, y):
    for p in range(y.shape[0]):
        for i in range(y.shape[1]):
            src = x[p, ih[i]]
            dst = y[p, i]
            for j in range(y.shape[2]):
                dst[j] = src[iw[j]]


@njit
def linear2d(x, h1, h2, wh1, wh2, w1, w2, ww1, ww2, y):
    for p in range(y.shape[0]):
        for i in range(y.shape[1]):
            r1 = x[p, h1[i]]
            r2 = x[p, h2[i]]
            a1 = wh1[i]
            a2 = wh2[i]
            dst = y[p, i]
            for j in range(y.shape[2]):
                b1 = ww1[j]
                b2 = ww2[j]
                c1 = w1[j]
                c2 = w2[j]
                t = (b1 * a1) * r1[c1]
                t = t + (b2 * a1) * r1[c2]
                t = t + (b1 * a2) * r2[c1]
                t = t + (b2 * a2) * r2[c2]
                dst[j] = t


@njit
def cubic2d(x, th, ch, tw, cw, y):
    """th / tw: (out, taps) input rows / columns (clipped), ch / cw: float64 weights."""
    n_p, h_in = x.shape[0], x.shape[1]
    oh, ow = y.shape[1], y.shape[2]
    tmp = np.empty((h_in, ow), np.float64)
    for p in range(n_p):
        for r in range(h_in):
            src = x[p, r]
            for j in range(ow):
                acc = 0.0
                for t in range(tw.shape[1]):
                    acc = acc + np.float64(src[tw[j, t]]) * cw[j, t]
                tmp[r, j] = acc
        for i in range(oh):
            dst = y[p, i]
            for j in range(ow):
                acc = 0.0
                for t in range(th.shape[1]):
                    acc = acc + tmp[th[i, t], j] * ch[i, t]
                dst[j] = np.float32(acc)
