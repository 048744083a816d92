"""Pooling on the device: one pass per kernel tap over strided slices of the padded input (xp.maximum /
add), pads holding the lowest value (max) or 0 (average); averages divide by window counts worked out
on the host from the geometry (small: a product of 1-D counts) and uploaded."""

from __future__ import annotations

import math

import numpy as np

from refrt.kernels.numpy._conv_util import lowest, window_counts

from ._conv import pad_spatial
from ._xp import array_namespace, compute_dtype


def tap_reduce(x, geo, combine: str, pad_value):
    xp = array_namespace(x)
    out_shape = x.shape[:2] + geo.out_shape
    if x.size == 0 or math.prod(geo.out_shape) == 0:
        return xp.zeros(out_shape, dtype=x.dtype)
    xpad = pad_spatial(xp, x, geo.begin, geo.end, pad_value)
    y = None
    for _, index in geo.offsets():
        tap = xpad[index]
        y = tap.copy() if y is None else getattr(xp, combine)(y, tap)
    return y


def max_pool(x, geo):
    return tap_reduce(x, geo, "maximum", lowest(x.dtype))


def average_pool(x, geo, count_include_pad: int):
    xp = array_namespace(x)
    y = tap_reduce(x.astype(compute_dtype(x.dtype), copy=False), geo, "add", 0)
    counts = np.maximum(window_counts(geo, include_pad=bool(count_include_pad)), 1).astype(y.dtype)
    return (y / xp.asarray(counts)).astype(x.dtype, copy=False)
