"""Resize on the Numba provider, every revision the NumPy provider registers (10, 11-12, 13-17, 18, 19+).

Compiled: float32 C-contiguous NCHW inputs resized over H and W only (N and C scales 1), mode nearest,
linear or cubic without antialias, every coordinate_transformation_mode of the revision but
tf_crop_and_resize, every nearest_mode (and Resize-10's legacy rule), scales or sizes (stretch), axes.
The output shape, per-axis source coordinates, nearest indices, linear and cubic taps and weights come
from kernels/numpy/_resize_util.py itself (small per-axis arrays); the compiled loops of _resize.py do
the per-pixel work in the NumPy kernel's operation order, so results are bit for bit the NumPy
kernel's (nearest: a copy; linear: the same float32 products and sums; cubic: the same float64 tap
sums rounded once), where the NumPy kernel gathers whole arrays per tap / corner (np.take) and builds
every term as a temporary. Planes are split across refrt's intra-op threads (run_chunks) for large
inputs.
Delegated: other dtypes and ranks, an NHWC-style or batch/channel resize, antialias,
tf_crop_and_resize (extrapolation), keep_aspect_ratio_policy other than stretch, anything invalid (the
NumPy kernel raises), and outputs the NumPy kernel copies (same shape) or leaves empty.
Measured (1x64x56x56 float32 -> 2x, one thread, this shared 2-core VM, NumPy kernel -> compiled, for
half_pixel, asymmetric and align_corners alike): nearest 5.3-5.5 -> 0.43-0.47 ms, linear 14.1-15.4 ->
1.25-1.32 ms, cubic 23.7-24.5 -> 4.7-4.9 ms; two threads: cubic 2.9 ms, nearest / linear unchanged
(memory-bound on this VM). Bit-identical to the NumPy kernel over 280 mode / transform / nearest_mode /
scales / sizes combinations. First call (compiling the three loops): ~1.7 s, then cached on disk.
"""

from __future__ import annotations

import numpy as np

from refrt import intra_op
from refrt.kernels.numpy._resize_util import (
    COORDINATE_MODES_11,
    COORDINATE_MODES_13,
    COORDINATE_MODES_19,
    NEAREST_MODES,
    cubic_taps,
    linear_taps,
    nearest_index,
    original_coordinate,
    stretched_shape,
)
from refrt.kernels.numpy.op_resize import (
    resize_10 as _np_10,
    resize_11 as _np_11,
    resize_13 as _np_13,
    resize_18 as _np_18,
    resize_19 as _np_19,
)
from refrt.registry import kernel

from ._resize import cubic2d, linear2d, nearest2d

F32 = np.float32
# planes per thread chunk: a 2x upscale of a 56x56 plane costs ~10 (nearest) to ~60 us (cubic)
MIN_PLANES = 16


def _present(t):
    return None if t is None or np.asarray(t).size == 0 else t


def _fast(x, scales, sizes, *, mode, coordinate_mode, nearest_mode, allowed, cubic_coeff_a=-0.75,
          exclude_outside=0, antialias=0, axes=None, keep_aspect_ratio_policy="stretch"):
    if not (x.__class__ is np.ndarray and x.dtype == F32 and x.ndim == 4 and x.flags.c_contiguous and x.size):
        return None
    if mode not in ("nearest", "linear", "cubic") or antialias or keep_aspect_ratio_policy != "stretch":
        return None
    if coordinate_mode not in allowed or coordinate_mode == "tf_crop_and_resize":
        return None
    if nearest_mode is not None and nearest_mode not in NEAREST_MODES:
        return None
    if exclude_outside and mode != "cubic":
        return None
    rank = 4
    if axes is None:
        axes = list(range(rank))
    else:
        axes = [int(a) + rank if int(a) < 0 else int(a) for a in axes]
        if any(not 0 <= a < rank for a in axes) or len(set(axes)) != len(axes):
            return None
    scales, sizes = _present(scales), _present(sizes)
    if (scales is None) == (sizes is None):
        return None
    in_shape = x.shape
    sc = sz = None
    if scales is not None:
        sc = np.asarray(scales, dtype=F32).reshape(-1)
        if sc.size != len(axes) or (sc <= 0).any():
            return None
    else:
        sz = [int(v) for v in np.asarray(sizes).reshape(-1)]
        if len(sz) != len(axes) or any(v < 0 for v in sz):
            return None
    scale, out_shape = stretched_shape(in_shape, axes, sc, sz)
    if scale[0] != 1 or scale[1] != 1 or tuple(out_shape) == in_shape or 0 in out_shape:
        return None
    n, c, h, w = in_shape
    oh, ow = out_shape[2], out_shape[3]

    def coordinate(a):
        if scale[a] == 1:
            return np.arange(out_shape[a], dtype=F32)
        return original_coordinate(coordinate_mode, out_shape[a], in_shape[a], scale[a], F32(0), F32(1),
                                   from_scales=scales is not None)

    x3 = x.reshape(n * c, h, w)
    y = np.empty((n, c, oh, ow), F32)
    y3 = y.reshape(n * c, oh, ow)
    if mode == "nearest":
        ih = nearest_index(coordinate(2), nearest_mode, scale[2] < 1, h) if scale[2] != 1 else np.arange(oh)
        iw = nearest_index(coordinate(3), nearest_mode, scale[3] < 1, w) if scale[3] != 1 else np.arange(ow)
        run = lambda s, e: nearest2d(x3[s:e], ih, iw, y3[s:e])  # noqa: E731
    elif mode == "linear":
        h1, h2, wh1, wh2, _ = linear_taps(coordinate(2), h)
        w1, w2, ww1, ww2, _ = linear_taps(coordinate(3), w)
        run = lambda s, e: linear2d(x3[s:e], h1, h2, wh1, wh2, w1, w2, ww1, ww2, y3[s:e])  # noqa: E731
    else:
        def taps(a, length):
            if scale[a] == 1:
                return np.arange(length, dtype=np.int64)[:, None], np.ones((length, 1))
            t, wt = cubic_taps(coordinate(a), length, cubic_coeff_a, bool(exclude_outside))
            return np.ascontiguousarray(t), np.ascontiguousarray(wt, dtype=np.float64)
        th, ch = taps(2, h)
        tw, cw = taps(3, w)
        run = lambda s, e: cubic2d(x3[s:e], th, ch, tw, cw, y3[s:e])  # noqa: E731
    intra_op.run_chunks(run, n * c, MIN_PLANES)
    return y


@kernel("Resize", since=10, until=10)
def resize_10(x, scales, *, mode="nearest"):
    y = None if mode == "cubic" else _fast(x, scales, None, mode=mode, coordinate_mode="asymmetric",
                                           nearest_mode=None, allowed=("asymmetric",))
    return y if y is not None else _np_10(x, scales, mode=mode)


@kernel("Resize", since=11, until=12)
def resize_11(x, roi, scales, sizes=None, *, coordinate_transformation_mode="half_pixel", cubic_coeff_a=-0.75,
              exclude_outside=0, extrapolation_value=0.0, mode="nearest", nearest_mode="round_prefer_floor"):
    return _resize(COORDINATE_MODES_11, _np_11, **locals())


@kernel("Resize", since=13, until=17)
def resize_13(x, roi=None, scales=None, sizes=None, *, coordinate_transformation_mode="half_pixel",
              cubic_coeff_a=-0.75, exclude_outside=0, extrapolation_value=0.0, mode="nearest",
              nearest_mode="round_prefer_floor"):
    return _resize(COORDINATE_MODES_13, _np_13, **locals())


@kernel("Resize", since=18, until=18)
def resize_18(x, roi=None, scales=None, sizes=None, *, antialias=0, axes=None,
              coordinate_transformation_mode="half_pixel", cubic_coeff_a=-0.75, exclude_outside=0,
              extrapolation_value=0.0, keep_aspect_ratio_policy="stretch", mode="nearest",
              nearest_mode="round_prefer_floor"):
    return _resize(COORDINATE_MODES_13, _np_18, **locals())


@kernel("Resize", since=19)
def resize_19(x, roi=None, scales=None, sizes=None, *, antialias=0, axes=None,
              coordinate_transformation_mode="half_pixel", cubic_coeff_a=-0.75, exclude_outside=0,
              extrapolation_value=0.0, keep_aspect_ratio_policy="stretch", mode="nearest",
              nearest_mode="round_prefer_floor"):
    return _resize(COORDINATE_MODES_19, _np_19, **locals())


def _resize(allowed, numpy_kernel, x, roi, scales, sizes, **kw):
    """Resize 11 and later (their coordinate modes ``allowed``, their NumPy kernel), attributes ``kw``
    (antialias, axes and keep_aspect_ratio_policy from revision 18 on)."""
    y = _fast(x, scales, sizes, mode=kw["mode"], coordinate_mode=kw["coordinate_transformation_mode"],
              nearest_mode=kw["nearest_mode"], allowed=allowed, cubic_coeff_a=kw["cubic_coeff_a"],
              exclude_outside=kw["exclude_outside"], antialias=kw.get("antialias", 0), axes=kw.get("axes"),
              keep_aspect_ratio_policy=kw.get("keep_aspect_ratio_policy", "stretch"))
    return y if y is not None else numpy_kernel(x, roi, scales, sizes, **kw)
