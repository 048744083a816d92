"""GridSample: sample X at the normalised positions of ``grid`` (last axis x, y[, z] = the spatial
axes reversed), by nearest, (bi/tri)linear or (bi)cubic interpolation, with zeros/border/reflection
padding.

Positions map to pixel coordinates (corner pixels' centres at -1/1 with align_corners, the image's
edges without). A position outside the image is first clamped (border, but for cubic) or reflected
(reflection) onto it; each interpolation tap outside is then 0 (zeros), clamped or reflected. Every tap of the
kernel (2^D, 4^D or 1 of them) is one gather over all output points at once.
"""

from __future__ import annotations

from itertools import product

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import NARROW_FLOATS

CUBIC_ALPHA = -0.75


def _reflect(x, lo: float, hi: float):
    """Reflect ``x`` by the nearer border until it lies in [lo, hi]."""
    span = hi - lo
    if span <= 0:
        return np.full_like(x, lo)
    below = x < lo
    dx = np.where(below, lo - x, x - hi)
    n = np.floor(dx / span)
    r = dx - n * span
    even = (n % 2) == 0
    inside = (x >= lo) & (x <= hi)
    low_side = np.where(even, lo + r, hi - r)
    high_side = np.where(even, hi - r, lo + r)
    return np.where(inside, x, np.where(below, low_side, high_side)).astype(x.dtype, copy=False)


def _cubic_weights(t):
    """Keys' cubic convolution weights (a = -0.75) of the taps at -1, 0, 1, 2 for a fraction t."""
    a = CUBIC_ALPHA
    t1, t2, t3 = t + 1, 1 - t, 2 - t
    return (
        ((a * t1 - 5 * a) * t1 + 8 * a) * t1 - 4 * a,
        ((a + 2) * t - (a + 3)) * t * t + 1,
        ((a + 2) * t2 - (a + 3)) * t2 * t2 + 1,
        ((a * t3 - 5 * a) * t3 + 8 * a) * t3 - 4 * a,
    )


def _grid_sample(x, grid, mode: str, padding_mode: str, align_corners: int):
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"GridSample: padding_mode must be zeros, border or reflection, got {padding_mode!r}")
    d = x.ndim - 2
    if d < 1:
        raise ValueError(f"GridSample: X must have spatial axes, got shape {x.shape}")
    if grid.ndim != x.ndim or grid.shape[0] != x.shape[0] or grid.shape[-1] != d:
        raise ValueError(f"GridSample: grid {grid.shape} must be (N, *out, {d}) for X {x.shape}")
    n, c = x.shape[:2]
    dims = x.shape[2:]
    out_spatial = grid.shape[1:-1]
    work = np.dtype(np.float32) if x.dtype in NARROW_FLOATS else x.dtype
    if work.kind != "f":
        work = np.dtype(np.float32)
    g = grid.astype(work, copy=False).reshape(n, -1, d)  # (N, P, D)
    p = g.shape[1]
    coords = []
    for axis, size in enumerate(dims):
        v = g[:, :, d - 1 - axis]  # grid's last axis runs x, y, z: the spatial axes reversed
        if align_corners:
            pos = (v + 1) / 2 * (size - 1)
            lo, hi = 0.0, size - 1.0
        else:
            pos = ((v + 1) * size - 1) / 2
            lo, hi = -0.5, size - 0.5
        pos = pos.astype(work, copy=False)
        if mode == "nearest":
            pos = np.rint(pos)
        if padding_mode == "border" and mode != "cubic":
            # onnxruntime (like PyTorch) clamps only the taps of cubic sampling, not the position;
            # for the other modes the two agree. (onnx's reference clamps both.)
            pos = np.where((pos < lo) | (pos > hi), np.clip(pos, 0, size - 1), pos)
        elif padding_mode == "reflection":
            pos = _reflect(pos, lo, hi)
        coords.append((pos, size, lo, hi))

    def tap_index(i, size, lo, hi):
        """Integer tap positions -> (index into the axis, valid) under the padding mode."""
        if padding_mode == "zeros":
            valid = (i >= 0) & (i < size)
            return np.where(valid, i, 0), valid
        if padding_mode == "border":
            return np.clip(i, 0, size - 1), None
        return np.trunc(_reflect(i.astype(work), lo, hi)).astype(np.int64), None

    # Per axis: a list of (index, valid, weight) taps.
    axis_taps = []
    for pos, size, lo, hi in coords:
        if mode == "nearest":
            i = pos.astype(np.int64)
            idx, valid = tap_index(i, size, lo, hi)
            axis_taps.append([(idx, valid, None)])
            continue
        base = np.floor(pos)
        t = (pos - base).astype(work, copy=False)
        base = base.astype(np.int64)
        if mode == "linear":
            offsets, weights = (0, 1), (1 - t, t)
        else:
            offsets, weights = (-1, 0, 1, 2), _cubic_weights(t)
        taps = []
        for off, wgt in zip(offsets, weights):
            idx, valid = tap_index(base + off, size, lo, hi)
            taps.append((idx, valid, wgt))
        axis_taps.append(taps)

    strides = np.cumprod((1,) + dims[::-1])[:-1][::-1]  # element strides of the spatial axes
    flat = x.astype(work, copy=False).reshape(n, c, -1)
    y = np.zeros((n, c, p), work)
    for combo in product(*axis_taps):
        index = np.zeros((n, p), np.int64)
        weight = None
        valid = None
        for (idx, ok, wgt), stride in zip(combo, strides):
            index += idx * stride
            if wgt is not None:
                weight = wgt if weight is None else weight * wgt
            if ok is not None:
                valid = ok if valid is None else valid & ok
        if valid is not None:
            weight = valid.astype(work) if weight is None else np.where(valid, weight, 0)
        vals = np.take_along_axis(flat, index[:, None, :], axis=2)
        y += vals if weight is None else vals * weight[:, None, :]
    return y.reshape((n, c) + out_spatial).astype(x.dtype, copy=False)


@kernel("GridSample", since=16, until=19)
def grid_sample_16(x, grid, *, align_corners=0, mode="bilinear", padding_mode="zeros"):
    names = {"bilinear": "linear", "nearest": "nearest", "bicubic": "cubic"}
    if mode not in names:
        raise ValueError(f"GridSample-16: mode must be bilinear, nearest or bicubic, got {mode!r}")
    if x.ndim != 4:
        raise ValueError(f"GridSample-16 takes 4-D input only, got shape {x.shape}")
    return _grid_sample(x, grid, names[mode], padding_mode, align_corners)


@kernel("GridSample", since=20)
def grid_sample_20(x, grid, *, align_corners=0, mode="linear", padding_mode="zeros"):
    if mode not in ("linear", "nearest", "cubic"):
        raise ValueError(f"GridSample: mode must be linear, nearest or cubic, got {mode!r}")
    return _grid_sample(x, grid, mode, padding_mode, align_corners)
