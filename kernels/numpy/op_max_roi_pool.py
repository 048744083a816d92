"""MaxRoiPool: the maximum of each bin of a pooled_h x pooled_w grid laid over each region of interest
(Caffe's RoI pooling, as onnxruntime computes it: region corners rounded half away from zero, bins
of real size whose edges are floored / ceiled, clipped to the image; an empty bin gives 0).

One region at a time (regions are boxes, not pixels): inside its bounding rows and columns, row
masks take the maximum over each bin's rows, then column masks over each bin's columns.
"""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._conv_util import as_compute


def _round_half_away(v: np.ndarray) -> np.ndarray:
    return np.sign(v) * np.floor(np.abs(v) + 0.5)


def _bin_edges(start: int, size: int, pooled: int, limit: int) -> tuple[np.ndarray, np.ndarray]:
    bin_size = max(size, 1) / pooled
    p = np.arange(pooled)
    lo = np.clip(np.floor(p * bin_size).astype(np.int64) + start, 0, limit)
    hi = np.clip(np.ceil((p + 1) * bin_size).astype(np.int64) + start, 0, limit)
    return lo, hi


@kernel("MaxRoiPool", since=1)
def max_roi_pool(x, rois, *, pooled_shape=None, spatial_scale=1.0):
    if pooled_shape is None or len(pooled_shape) != 2 or min(pooled_shape) < 1:
        raise ValueError(f"MaxRoiPool: pooled_shape must be two positive ints, got {pooled_shape}")
    if x.ndim != 4:
        raise ValueError(f"MaxRoiPool: X must be (N, C, H, W), got shape {x.shape}")
    if rois.ndim != 2 or rois.shape[1] != 5:
        raise ValueError(f"MaxRoiPool: rois must be (num_rois, 5), got shape {rois.shape}")
    n, c, h, w = x.shape
    ph, pw = (int(v) for v in pooled_shape)
    xs = as_compute(x)
    out = np.zeros((rois.shape[0], c, ph, pw), xs.dtype)
    r = as_compute(rois)  # corners scale in the rois' own type, as onnxruntime computes them
    batch = r[:, 0].astype(np.int64)
    if np.any(batch < 0) or np.any(batch >= n):
        raise ValueError(f"MaxRoiPool: batch ids must lie in [0, {n}), got {batch.tolist()}")
    corners = _round_half_away(r[:, 1:] * r.dtype.type(spatial_scale)).astype(np.int64)  # x1, y1, x2, y2
    for i in range(rois.shape[0]):
        x1, y1, x2, y2 = corners[i]
        h_lo, h_hi = _bin_edges(y1, y2 - y1 + 1, ph, h)
        w_lo, w_hi = _bin_edges(x1, x2 - x1 + 1, pw, w)
        top, bottom = int(h_lo.min()), int(h_hi.max())
        left, right = int(w_lo.min()), int(w_hi.max())
        if bottom <= top or right <= left:
            continue
        region = xs[batch[i], :, top:bottom, left:right]  # (C, rh, rw)
        rows = np.arange(top, bottom)
        cols = np.arange(left, right)
        row_in = (rows >= h_lo[:, None]) & (rows < h_hi[:, None])  # (PH, rh)
        col_in = (cols >= w_lo[:, None]) & (cols < w_hi[:, None])  # (PW, rw)
        by_rows = np.where(row_in[None, :, :, None], region[:, None], -np.inf).max(axis=2)  # (C, PH, rw)
        best = np.where(col_in[None, None], by_rows[:, :, None, :], -np.inf).max(axis=3)  # (C, PH, PW)
        empty = ~(row_in.any(axis=1)[:, None] & col_in.any(axis=1)[None, :])
        out[i] = np.where(empty, 0, best)
    return out.astype(x.dtype, copy=False)
