"""AveragePool on the Numba provider: 2-D float32/float64 windows compiled, the rest delegated.

Compiled (kernels/numba/_conv.py ``avg_pool2d``, one (image, channel) plane per prange iteration): NCHW
float32/float64, any kernel, strides, dilations, pads, auto_pad, ceil_mode and count_include_pad. The
window sums run in the NumPy kernel's order (kernel rows first, then kernel columns, taps in order;
skipped pads are the zeros it adds) and divide by the same per-window counts
(``window_counts``), so results are identical. Delegated to kernels/numpy/op_average_pool.py:
float16 and other types, 1-D/3-D, empty tensors, and windows where the compiled loop measured no faster
(fewer than 9 taps, or 3x3..6x6 at stride 1).

Measured (single thread, noisy shared 2-core machine, NumPy kernel against this one): 3x3 stride 2 pad 1
on 24x56x56 195 -> 134 us, on 136x28x28 269 -> 187 us; 7x7 on 1024x6x6 with pads (0,0,1,1) 345 -> 199
us; 7x7 on 544x7x7 146 -> 142 us. Not faster, so delegated: 2x2 stride 2 on 128x56x56 409 -> 430 us,
3x3 stride 1 pad 1 on 576x14x14 767 -> 1218 us.
"""

from __future__ import annotations

import functools

import numpy as np

from refrt.kernels.numpy._conv_util import window_counts
from refrt.kernels.numpy._pool_util import pool_geometry
from refrt.kernels.numpy.op_average_pool import average_pool_19 as numpy_average_pool_19
from refrt.registry import kernel

from ._conv import poolable, run_avg_pool


@functools.lru_cache(maxsize=256)
def _counts(geo, include_pad: bool, dtype: np.dtype) -> np.ndarray:
    counts = np.ascontiguousarray(np.maximum(window_counts(geo, include_pad=include_pad), 1).astype(dtype))
    counts.flags.writeable = False
    return counts


def _worth_it(kernel_shape, strides) -> bool:
    """The windows where the compiled loop measured faster: 9 taps or more, strided unless 7x7 or larger."""
    if kernel_shape is None or len(kernel_shape) != 2:
        return False
    taps = int(kernel_shape[0]) * int(kernel_shape[1])
    strided = strides is not None and any(int(s) > 1 for s in strides)
    return taps >= 49 or (taps >= 9 and strided)


@kernel("AveragePool", since=19)
def average_pool_19(
    x, *, auto_pad="NOTSET", ceil_mode=0, count_include_pad=0, dilations=None, kernel_shape=None,
    pads=None, strides=None,
):
    if poolable(x) and _worth_it(kernel_shape, strides):
        geo = pool_geometry(x, kernel_shape, strides=strides, pads=pads, auto_pad=auto_pad, dilations=dilations,
                            ceil_mode=ceil_mode)
        if all(geo.out_shape):
            y = run_avg_pool(x, geo, _counts(geo, bool(count_include_pad), x.dtype))
            if y is not None:
                return y
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
