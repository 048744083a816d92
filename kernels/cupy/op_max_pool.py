"""MaxPool on the device, every revision: one xp.maximum pass per kernel tap (see _pool.py). Float
types only, and only the Y output: when the Indices output is read, or for integer types, the NumPy
kernel runs on the host."""

from __future__ import annotations

from refrt.kernels.numpy import op_max_pool as _np
from refrt.kernels.numpy._pool_util import pool_geometry
from refrt.registry import kernel

from ._pool import max_pool
from ._xp import FLOATS, on_host


@kernel("MaxPool", since=10)
def max_pool_10(
    x, *, auto_pad="NOTSET", ceil_mode=0, dilations=None, kernel_shape=None, pads=None,
    storage_order=0, strides=None, _output_used=(True, False),
):
    if x.dtype not in FLOATS or (len(_output_used) > 1 and _output_used[1]):
        return on_host(_np.max_pool_10, x, auto_pad=auto_pad, ceil_mode=ceil_mode, dilations=dilations,
                       kernel_shape=kernel_shape, pads=pads, storage_order=storage_order, strides=strides,
                       _output_used=_output_used)
    _np._check_storage_order(storage_order)
    geo = pool_geometry(x, kernel_shape, strides=strides, pads=pads, auto_pad=auto_pad, dilations=dilations,
                        ceil_mode=ceil_mode)
    y = max_pool(x, geo)
    return (y, None) if len(_output_used) > 1 else y


@kernel("MaxPool", since=8, until=9)
def max_pool_8(
    x, *, auto_pad="NOTSET", kernel_shape=None, pads=None, storage_order=0, strides=None,
    _output_used=(True, False),
):
    return max_pool_10(x, auto_pad=auto_pad, kernel_shape=kernel_shape, pads=pads, storage_order=storage_order,
                       strides=strides, _output_used=_output_used)


@kernel("MaxPool", since=1, until=7)
def max_pool_1(x, *, auto_pad="NOTSET", kernel_shape=None, pads=None, strides=None):
    return max_pool_10(x, auto_pad=auto_pad, kernel_shape=kernel_shape, pads=pads, strides=strides,
                       _output_used=(True,))
