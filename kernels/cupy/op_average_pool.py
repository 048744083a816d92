"""AveragePool on the device, every revision (see _pool.py); float16 sums in float32. Non-float
types run the NumPy kernel on the host."""

from __future__ import annotations

from refrt.kernels.numpy import op_average_pool as _np
from refrt.kernels.numpy._pool_util import pool_geometry
from refrt.registry import kernel

from ._pool import average_pool
from ._xp import FLOATS, on_host


@kernel("AveragePool", since=19)
def average_pool_19(
    x, *, auto_pad="NOTSET", ceil_mode=0, count_include_pad=0, dilations=None, kernel_shape=None,
    pads=None, strides=None,
):
    if x.dtype not in FLOATS:
        return on_host(_np.average_pool_19, x, auto_pad=auto_pad, ceil_mode=ceil_mode,
                       count_include_pad=count_include_pad, dilations=dilations, kernel_shape=kernel_shape,
                       pads=pads, strides=strides)
    geo = pool_geometry(x, kernel_shape, strides=strides, pads=pads, auto_pad=auto_pad, dilations=dilations,
                        ceil_mode=ceil_mode)
    return average_pool(x, geo, count_include_pad)


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
    return average_pool_19(x, auto_pad=auto_pad, kernel_shape=kernel_shape, pads=pads, strides=strides)
