"""Reductions on the device: xp's sum / mean / max / min / prod (CUB-backed in CuPy) over the axes
the NumPy kernels' ``reduction_axes`` gives (axes read to the host: a few ints). float16 sums and
means accumulate in float32 and round once. Left to the NumPy kernel on the host: non-float types,
empty inputs (identities and errors as the NumPy kernel gives them), and empty axes with
noop_with_empty_axes."""

from __future__ import annotations

import numpy as np

from refrt.kernels.numpy._reduce_util import reduction_axes

from ._xp import FLOATS, compute_dtype, host_ints, on_host


def reduce(method: str, numpy_kernel, op: str, data, axes, keepdims, noop_with_empty_axes, widen: bool,
           attr_axes: bool = False):
    """``data.<method>`` over the node's axes; ``numpy_kernel(data, axes, ...)`` where the device has no path."""
    host_axes = None if axes is None else np.asarray(host_ints(axes), dtype=np.int64)
    if attr_axes:
        call = lambda: on_host(numpy_kernel, data, axes=axes, keepdims=keepdims)  # noqa: E731
    else:
        call = lambda: on_host(numpy_kernel, data, host_axes, keepdims=keepdims,  # noqa: E731
                               noop_with_empty_axes=noop_with_empty_axes)
    if data.dtype not in FLOATS or data.size == 0:
        return call()
    ax = reduction_axes(host_axes, data.ndim, op, noop_with_empty_axes)
    if not ax and data.ndim:
        return call()
    x = data.astype(compute_dtype(data.dtype), copy=False) if widen else data
    return getattr(x, method)(axis=ax, keepdims=bool(keepdims)).astype(data.dtype, copy=False)
