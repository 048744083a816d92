"""RoiAlign: average (or max) of bilinear samples on a regular grid inside each bin of each region.

Average pooling is separable: a bin's mean over its grid of bilinear samples is Ay @ X @ Ax^T, where
Ay (pooled_h, H) and Ax (pooled_w, W) hold, per bin row/column, the summed interpolation weights of
that bin's sample rows/columns. So each region costs two small matrix products, whatever its grid.
Max pooling is not separable: it takes, per sample, the largest weighted corner (as onnxruntime
does), then the largest over the bin's samples, gathered for a chunk of regions at a time.
"""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import NARROW_FLOATS


def _axis_samples(start, size, pooled: int, grid: np.ndarray, limit: int, work):
    """Sample positions along one axis for every region: low/high index and weights, validity.

    Returns arrays of shape (R, pooled, G) with G the largest grid of any region; ``real`` is False
    for padding samples (beyond a region's own grid), ``inside`` for samples outside [-1, limit].
    """
    g_max = max(int(grid.max(initial=0)), 1)
    bin_size = size / pooled
    p = np.arange(pooled, dtype=work)[None, :, None]
    i = np.arange(g_max, dtype=work)[None, None, :]
    g = np.maximum(grid, 1).astype(work)[:, None, None]
    pos = start[:, None, None] + p * bin_size[:, None, None] + (i + work.type(0.5)) * bin_size[:, None, None] / g
    inside = (pos >= -1) & (pos <= limit)
    real = np.broadcast_to(np.arange(g_max)[None, None, :] < grid[:, None, None], pos.shape)
    pos = np.maximum(pos, 0)
    low = pos.astype(np.int64)
    at_end = low >= limit - 1
    low = np.where(at_end, limit - 1, low)
    high = np.where(at_end, limit - 1, low + 1)
    frac = np.where(at_end, 0, pos - low).astype(work)
    return low, high, 1 - frac, frac, inside & real, real


def _roi_align(x, rois, batch_indices, *, half_pixel: bool, mode: str, output_height: int, output_width: int,
               sampling_ratio: int, spatial_scale: float):
    if x.ndim != 4:
        raise ValueError(f"RoiAlign: X must be 4-D (N, C, H, W), got shape {x.shape}")
    if rois.ndim != 2 or rois.shape[1] != 4:
        raise ValueError(f"RoiAlign: rois must have shape (num_rois, 4), got {rois.shape}")
    batch_indices = np.asarray(batch_indices).reshape(-1).astype(np.int64)
    if batch_indices.shape[0] != rois.shape[0]:
        raise ValueError(f"RoiAlign: {batch_indices.shape[0]} batch indices for {rois.shape[0]} rois")
    n, c, h, w = x.shape
    if np.any(batch_indices < 0) or np.any(batch_indices >= n):
        raise ValueError(f"RoiAlign: batch_indices must lie in [0, {n}), got {batch_indices.tolist()}")
    if mode not in ("avg", "max"):
        raise ValueError(f"RoiAlign: mode must be 'avg' or 'max', got {mode!r}")
    if output_height < 1 or output_width < 1 or sampling_ratio < 0:
        raise ValueError("RoiAlign: output sizes must be positive and sampling_ratio non-negative")
    work = np.dtype(np.float32) if x.dtype in NARROW_FLOATS else x.dtype
    xs = x.astype(work, copy=False)
    r = rois.astype(work, copy=False) * work.type(spatial_scale)
    if half_pixel:
        r = r - work.type(0.5)
    start_w, start_h = r[:, 0], r[:, 1]
    roi_w, roi_h = r[:, 2] - start_w, r[:, 3] - start_h
    if not half_pixel:
        roi_w, roi_h = np.maximum(roi_w, 1), np.maximum(roi_h, 1)
    if sampling_ratio > 0:
        grid_h = np.full(rois.shape[0], sampling_ratio, np.int64)
        grid_w = grid_h
    else:
        grid_h = np.ceil(roi_h / output_height).astype(np.int64)
        grid_w = np.ceil(roi_w / output_width).astype(np.int64)
    ys = _axis_samples(start_h, roi_h, output_height, grid_h, h, work)
    xs_ = _axis_samples(start_w, roi_w, output_width, grid_w, w, work)
    out = np.zeros((rois.shape[0], c, output_height, output_width), work)
    if rois.shape[0] == 0:
        return out.astype(x.dtype)
    if mode == "avg":
        count = np.maximum(grid_h * grid_w, 1).astype(work)
        ay = _axis_matrix(ys, h, work)  # (R, PH, H)
        ax = _axis_matrix(xs_, w, work)  # (R, PW, W)
        for b in np.unique(batch_indices):
            sel = np.flatnonzero(batch_indices == b)
            # (R, PH, H) @ (C, H, W) per region, then @ (W, PW)
            t = np.einsum("rph,chw->rcpw", ay[sel], xs[b], optimize=True)
            out[sel] = t @ np.swapaxes(ax[sel], 1, 2)[:, None]
        out /= count[:, None, None, None]
    else:
        _max_pool(xs, batch_indices, ys, xs_, out)
    return out.astype(x.dtype, copy=False)


def _axis_matrix(samples, limit: int, work) -> np.ndarray:
    """(R, pooled, limit): summed weights each bin puts on each input row (or column)."""
    low, high, w_low, w_high, inside, _ = samples
    r, p, g = low.shape
    m = np.zeros((r, p, limit), work)
    ri = np.broadcast_to(np.arange(r)[:, None, None], low.shape)
    pi = np.broadcast_to(np.arange(p)[None, :, None], low.shape)
    np.add.at(m, (ri, pi, low), np.where(inside, w_low, 0))
    np.add.at(m, (ri, pi, high), np.where(inside, w_high, 0))
    return m


def _max_pool(xs, batch_indices, ys, xs_, out) -> None:
    y_low, y_high, wy_low, wy_high, y_in, y_real = ys
    x_low, x_high, wx_low, wx_high, x_in, x_real = xs_
    n_rois, c = out.shape[:2]
    ph, gy = y_low.shape[1:]
    pw, gx = x_low.shape[1:]
    chunk = max(1, (1 << 22) // max(c * ph * pw * gy * gx, 1))
    for s in range(0, n_rois, chunk):
        sl = slice(s, s + chunk)
        img = xs[batch_indices[sl]]  # (r, C, H, W)
        ri = np.arange(img.shape[0])[:, None, None, None, None, None]
        ci = np.arange(c)[None, :, None, None, None, None]

        def along_y(a):
            return a[sl][:, None, :, :, None, None]  # (r, 1, PH, GY, 1, 1)

        def along_x(a):
            return a[sl][:, None, None, None, :, :]  # (r, 1, 1, 1, PW, GX)

        val = None
        for yi, wy in ((y_low, wy_low), (y_high, wy_high)):
            for xi, wx in ((x_low, wx_low), (x_high, wx_high)):
                # The largest weighted corner of each sample, as onnxruntime computes max mode.
                v = along_y(wy) * along_x(wx) * img[ri, ci, along_y(yi), along_x(xi)]
                val = v if val is None else np.maximum(val, v)
        # A sample outside the image counts as 0; a region's padding samples do not count at all.
        val = np.where(along_y(y_in) & along_x(x_in), val, 0)
        val = np.where(along_y(y_real) & along_x(x_real), val, -np.inf)
        best = val.max(axis=(3, 5))
        out[sl] = np.where(np.isneginf(best), 0, best)


@kernel("RoiAlign", since=10, until=15)
def roi_align_10(x, rois, batch_indices, *, mode="avg", output_height=1, output_width=1, sampling_ratio=0,
                 spatial_scale=1.0):
    # RoiAlign-10 had no half-pixel offset (what opset 16 names output_half_pixel).
    return _roi_align(x, rois, batch_indices, half_pixel=False, mode=mode, output_height=output_height,
                      output_width=output_width, sampling_ratio=sampling_ratio, spatial_scale=spatial_scale)


@kernel("RoiAlign", since=16)
def roi_align_16(x, rois, batch_indices, *, coordinate_transformation_mode="half_pixel", mode="avg",
                 output_height=1, output_width=1, sampling_ratio=0, spatial_scale=1.0):
    if coordinate_transformation_mode not in ("half_pixel", "output_half_pixel"):
        raise ValueError(
            "RoiAlign: coordinate_transformation_mode must be 'half_pixel' or 'output_half_pixel', "
            f"got {coordinate_transformation_mode!r}"
        )
    return _roi_align(x, rois, batch_indices, half_pixel=coordinate_transformation_mode == "half_pixel", mode=mode,
                      output_height=output_height, output_width=output_width, sampling_ratio=sampling_ratio,
                      spatial_scale=spatial_scale)
