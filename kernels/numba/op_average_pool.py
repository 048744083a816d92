"""AveragePool on the Numba provider: 2-D float32/float64 windows compiled, the rest delegated.

Compiled (kernels/numba/_conv.py ``pool2d``, which gives the measured figures): NCHW float32/float64, any
kernel, strides, dilations, pads, auto_pad, ceil_mode and count_include_pad. The window sums run in the
NumPy kernel's order (kernel rows first, then kernel columns, taps in order, over a zero-padded copy as
its own) and divide by the same per-window counts (``window_counts``), so results are identical.
Delegated to kernels/numpy/op_average_pool.py: float16 and other types, 1-D/3-D, empty tensors, and
every input it must reject. (The previous loop, which skipped padding and ran one output row at a time,
lost on stride-1 windows; this one measured faster on every shape tried.)
"""

from __future__ import annotations

import functools

import numpy as np

from refrt.kernels.numpy._conv_util import window_counts
from refrt.kernels.numpy._pool_util import pool_geometry
from refrt.kernels.numpy.op_average_pool import average_pool_19 as numpy_average_pool_19
from refrt.registry import kernel

from ._conv import poolable, run_pool


@functools.lru_cache(maxsize=256)
def _counts(geo, include_pad: bool, dtype: np.dtype) -> np.ndarray:
    counts = np.ascontiguousarray(np.maximum(window_counts(geo, include_pad=include_pad), 1).astype(dtype))
    counts.flags.writeable = False
    return counts


@kernel("AveragePool", since=19)
def average_pool_19(
    x, *, auto_pad="NOTSET", ceil_mode=0, count_include_pad=0, dilations=None, kernel_shape=None,
    pads=None, strides=None,
):
    if poolable(x) and kernel_shape is not None and len(kernel_shape) == 2:
        geo = pool_geometry(x, kernel_shape, strides=strides, pads=pads, auto_pad=auto_pad, dilations=dilations,
                            ceil_mode=ceil_mode)
        if all(geo.out_shape):
            return run_pool(x, geo, is_max=False, counts=_counts(geo, bool(count_include_pad), x.dtype))
    return numpy_average_pool_19(x, auto_pad=auto_pad, ceil_mode=ceil_mode, count_include_pad=count_include_pad,
                                 dilations=dilations, kernel_shape=kernel_shape, pads=pads, strides=strides)


@kernel("AveragePool", since=10, until=18)
def average_pool_10(
    x, *, auto_pad="NOTSET", ceil_mode=0, count_include_pad=0, kernel_shape=None, pads=None, strides=None
):
    return average_pool_19(x, auto_pad=auto_pad, ceil_mode=ceil_mode, count_include_pad=count_include_pad,
                           kernel_shape=kernel_shape, pads=pads, strides=strides)


@kernel("AveragePool", since=7, until=9)
def average_pool_7(x, *, auto_pad="NOTSET", count_include_pad=0, kernel_shape=None, pads=None, strides=None):
    return average_pool_19(x, auto_pad=auto_pad, count_include_pad=count_include_pad, kernel_shape=kernel_shape,
                           pads=pads, strides=strides)


@kernel("AveragePool", since=1, until=6)
def average_pool_1(x, *, auto_pad="NOTSET", kernel_shape=None, pads=None, strides=None):
    """Before revision 7 padding never counts towards the average."""
    return average_pool_19(x, auto_pad=auto_pad, kernel_shape=kernel_shape, pads=pads, strides=strides)
