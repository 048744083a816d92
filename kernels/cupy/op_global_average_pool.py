"""GlobalAveragePool on the device: the mean over the spatial axes (float16 sums in float32). Non-float
types run the NumPy kernel on the host."""

from __future__ import annotations

from refrt.kernels.numpy.op_global_average_pool import global_average_pool as _numpy_gap
from refrt.registry import kernel

from ._xp import FLOATS, compute_dtype, on_host


@kernel("GlobalAveragePool", since=1)
def global_average_pool(x):
    if x.dtype not in FLOATS or x.ndim < 3 or x.size == 0:
        return on_host(_numpy_gap, x)
    axes = tuple(range(2, x.ndim))
    return x.astype(compute_dtype(x.dtype), copy=False).mean(axis=axes, keepdims=True).astype(x.dtype, copy=False)
