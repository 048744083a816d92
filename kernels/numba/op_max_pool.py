"""MaxPool on the Numba provider: 2-D float32/float64 windows compiled, the rest delegated.

Compiled (kernels/numba/_conv.py ``pool2d``, which gives the measured figures): NCHW float32/float64
inputs when the Indices output is not used: any kernel, strides, dilations, pads, auto_pad and ceil_mode.
The same maxima as the NumPy kernel, taken in its order (np.maximum's rule: NaN wins; on a tie the later
tap, so -0.0 against 0.0 comes out alike), so results are identical. Delegated to
kernels/numpy/op_max_pool.py: the Indices output, other types and ranks, empty tensors, and every input
it must reject.
"""

from __future__ import annotations

from refrt.kernels.numpy._pool_util import pool_geometry
from refrt.kernels.numpy.op_max_pool import _check_storage_order
from refrt.kernels.numpy.op_max_pool import max_pool_1 as numpy_max_pool_1
from refrt.kernels.numpy.op_max_pool import max_pool_8 as numpy_max_pool_8
from refrt.kernels.numpy.op_max_pool import max_pool_10 as numpy_max_pool_10
from refrt.registry import kernel

from ._conv import poolable, run_pool


def _compiled(x, kernel_shape, strides, pads, auto_pad, dilations=None, ceil_mode=0):
    """Y on the compiled path, or None where the NumPy kernel runs (it also raises every error)."""
    if not poolable(x) or kernel_shape is None or len(kernel_shape) != 2:
        return None
    try:
        geo = pool_geometry(x, kernel_shape, strides=strides, pads=pads, auto_pad=auto_pad, dilations=dilations,
                            ceil_mode=ceil_mode)
    except ValueError:
        return None
    if not all(geo.out_shape):
        return None
    return run_pool(x, geo, is_max=True)


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
