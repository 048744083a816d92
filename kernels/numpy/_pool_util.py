"""Window reductions shared by MaxPool, AveragePool and LpPool.

Each pool is a loop over the few kernel offsets, combining whole strided slices of the padded
input; no loop ever runs over pixels. Sums and maxima over a box are separable, so they reduce
one spatial axis at a time (kh + kw operations instead of kh * kw); MaxPool's Indices need the
whole window at once and loop over every offset (see ``Geometry.offsets``).
"""

from __future__ import annotations

import math

import numpy as np

from ._conv_util import Geometry, as_compute, flat_input_index, geometry, lowest, pad_spatial, window_counts


def _separable_reduce(xp: np.ndarray, geo: Geometry, combine: np.ufunc) -> np.ndarray:
    """Reduce each window of padded ``xp`` with ``combine`` (np.add, np.maximum), axis by axis.

    After the pass over spatial axis i, that axis holds one value per output position: the
    combination of the kernel's taps along i (dilated, strided); the other axes are untouched.
    """
    y = xp
    for axis, (k, d, s, o) in enumerate(zip(geo.kernel, geo.dilations, geo.strides, geo.out_shape)):
        where = [slice(None)] * y.ndim
        acc = None
        for tap in range(k):
            where[2 + axis] = slice(tap * d, tap * d + s * (o - 1) + 1, s)
            if acc is None:
                acc = y[tuple(where)].copy()
            else:
                combine(acc, y[tuple(where)], out=acc)
        y = acc
    return y


def pool_geometry(x: np.ndarray, kernel_shape, *, strides, pads, auto_pad, dilations=None, ceil_mode=0) -> Geometry:
    if x.ndim < 3:
        raise ValueError(f"pooling expects an input of rank >= 3 (N, C, spatial...), got shape {x.shape}")
    return geometry(
        x.shape[2:], kernel_shape, strides=strides, dilations=dilations, pads=pads,
        auto_pad=auto_pad, ceil_mode=ceil_mode,
    )


def max_pool(x: np.ndarray, geo: Geometry, *, with_indices: bool = False, storage_order: int = 0):
    """(Y, Indices or None). Pads hold the lowest value so they never win; ties keep the first
    offset in row-major kernel order, as onnxruntime does."""
    out_shape = x.shape[:2] + geo.out_shape
    if x.size == 0 or math.prod(geo.out_shape) == 0:
        y = np.zeros(out_shape, dtype=x.dtype)
        return y, (np.zeros(out_shape, dtype=np.int64) if with_indices else None)
    xp = pad_spatial(x, geo.begin, geo.end, lowest(x.dtype))
    if not with_indices:
        return _separable_reduce(xp, geo, np.maximum), None
    # Indices: every offset in row-major kernel order; a strictly larger value takes over.
    y = best = None
    for offset, sl in geo.offsets():
        tap = xp[sl]
        index = flat_input_index(geo, offset, bool(storage_order))
        if y is None:
            y = tap.copy()
            best = np.broadcast_to(index, out_shape).copy()
            continue
        better = tap > y
        np.copyto(best, index, where=better)
        np.copyto(y, tap, where=better)
    # Indices count from the start of the whole tensor: add each (n, c) plane's offset.
    plane = math.prod(geo.in_shape)
    n, c = x.shape[:2]
    best += (np.arange(n * c, dtype=np.int64) * plane).reshape((n, c) + (1,) * len(geo.out_shape))
    return y, best


def sum_pool(xc: np.ndarray, geo: Geometry) -> np.ndarray:
    """Sum of each window over the zero-padded input (xc already in the compute dtype)."""
    if xc.size == 0 or math.prod(geo.out_shape) == 0:
        return np.zeros(xc.shape[:2] + geo.out_shape, dtype=xc.dtype)
    return _separable_reduce(pad_spatial(xc, geo.begin, geo.end), geo, np.add)


def average_pool(x: np.ndarray, geo: Geometry, *, count_include_pad: int) -> np.ndarray:
    """Window sums divided by how many elements each window covers (explicit pads count only
    with count_include_pad; the extra end padding that ceil_mode needs never counts)."""
    y = sum_pool(as_compute(x), geo)
    counts = window_counts(geo, include_pad=bool(count_include_pad))
    y /= np.maximum(counts, 1).astype(y.dtype)
    return y.astype(x.dtype, copy=False)


def lp_pool(x: np.ndarray, geo: Geometry, *, p) -> np.ndarray:
    """(sum over the window of |x|^p)^(1/p); the zero padding adds nothing."""
    p = float(p)
    xc = np.abs(as_compute(x))
    if p != 1.0:
        xc = xc**p if p != 2.0 else np.square(xc)
    y = sum_pool(xc, geo)
    if p == 2.0:
        y = np.sqrt(y)
    elif p != 1.0:
        y **= 1.0 / p
    return y.astype(x.dtype, copy=False)
