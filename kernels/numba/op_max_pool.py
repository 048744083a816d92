"""MaxPool on the Numba provider: small 2-D float32/float64 inputs compiled, the rest delegated.

Compiled (kernels/numba/_conv.py ``max_pool2d``): NCHW float32/float64 inputs of at most
``MAX_ELEMENTS`` elements with strided windows (both strides above 1), when the Indices output is not
used: any kernel, dilations, pads, auto_pad and ceil_mode. The same maxima as the NumPy kernel (np.maximum's choice: NaN wins; padding never
does), so results are identical. There the NumPy kernel's fixed cost (a padded copy and one whole-array
np.maximum call per kernel row and column) dominates: MNIST's 2x2 stride 2 on 16x28x28 33 -> 14-30 us,
3x3 stride 2 pad 1 on 64x16x16 75 -> 47 us.

Delegated to kernels/numpy/op_max_pool.py: larger inputs, where its whole-array passes are vectorized
and the compiled row loops are not (measured, single thread: 3x3 stride 1 pad 1 on 128x16x16 0.13 against
0.23 ms; 3x3 stride 2 on 192x56x56 0.48 against
0.64 ms, 3x3 stride 1 pad 1 on 256x28x28 0.53 against 0.68 ms, 480x14x14 0.33 against 0.67 ms; on
64x112x112 and 64x224x224 about equal), the Indices output, other types and ranks.
"""

from __future__ import annotations

import numpy as np

from refrt.kernels.numpy._conv_util import lowest
from refrt.kernels.numpy._pool_util import pool_geometry
from refrt.kernels.numpy.op_max_pool import _check_storage_order
from refrt.kernels.numpy.op_max_pool import max_pool_1 as numpy_max_pool_1
from refrt.kernels.numpy.op_max_pool import max_pool_8 as numpy_max_pool_8
from refrt.kernels.numpy.op_max_pool import max_pool_10 as numpy_max_pool_10
from refrt.registry import kernel

from ._conv import max_pool2d, poolable

MAX_ELEMENTS = 1 << 14  # input elements up to which the compiled loop measured faster (strided windows)


def _compiled(x, kernel_shape, strides, pads, auto_pad, dilations=None, ceil_mode=0):
    """Y on the compiled path, or None where the NumPy kernel runs (it also raises every error)."""
    if not poolable(x) or x.size > MAX_ELEMENTS or kernel_shape is None or len(kernel_shape) != 2:
        return None
    try:
        geo = pool_geometry(x, kernel_shape, strides=strides, pads=pads, auto_pad=auto_pad, dilations=dilations,
                            ceil_mode=ceil_mode)
    except ValueError:
        return None
    if not all(geo.out_shape) or min(geo.strides) < 2:
        return None
    y = np.empty(x.shape[:2] + geo.out_shape, x.dtype)
    return max_pool2d(np.ascontiguousarray(x), y, geo.kernel[0], geo.kernel[1], geo.strides[0], geo.strides[1],
                      geo.dilations[0], geo.dilations[1], geo.begin[0], geo.begin[1], x.dtype.type(lowest(x.dtype)))


@kernel("MaxPool", since=10)
def max_pool_10(
    x, *, auto_pad="NOTSET", ceil_mode=0, dilations=None, kernel_shape=None, pads=None,
    storage_order=0, strides=None, _output_used=(True, False),
):
    if not (len(_output_used) > 1 and _output_used[1]):
        _check_storage_order(storage_order)
        y = _compiled(x, kernel_shape, strides, pads, auto_pad, dilations, ceil_mode)
        if y is not None:
            return (y, None) if len(_output_used) > 1 else y
    return numpy_max_pool_10(x, auto_pad=auto_pad, ceil_mode=ceil_mode, dilations=dilations,
                             kernel_shape=kernel_shape, pads=pads, storage_order=storage_order, strides=strides,
                             _output_used=_output_used)


@kernel("MaxPool", since=8, until=9)
def max_pool_8(
    x, *, auto_pad="NOTSET", kernel_shape=None, pads=None, storage_order=0, strides=None,
    _output_used=(True, False),
):
    if not (len(_output_used) > 1 and _output_used[1]):
        _check_storage_order(storage_order)
        y = _compiled(x, kernel_shape, strides, pads, auto_pad)
        if y is not None:
            return (y, None) if len(_output_used) > 1 else y
    return numpy_max_pool_8(x, auto_pad=auto_pad, kernel_shape=kernel_shape, pads=pads,
                            storage_order=storage_order, strides=strides, _output_used=_output_used)


@kernel("MaxPool", since=1, until=7)
def max_pool_1(x, *, auto_pad="NOTSET", kernel_shape=None, pads=None, strides=None):
    y = _compiled(x, kernel_shape, strides, pads, auto_pad)
    return numpy_max_pool_1(x, auto_pad=auto_pad, kernel_shape=kernel_shape, pads=pads, strides=strides) \
        if y is None else y
