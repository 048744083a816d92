"""RMSNormalization (23+) on the device: x / sqrt(mean(x^2) + epsilon) * scale over the trailing axes,
in stash_type's precision (float32 at least), rounded once. Non-float types run the NumPy kernel on
the host."""

from __future__ import annotations

import math

from refrt.kernels.numpy.op_rms_normalization import rms_normalization as _numpy_rms
from refrt.kernels.numpy._norm_util import compute_for_stash, stash_dtype, trailing_axes
from refrt.registry import kernel

from ._norm import rms_rows
from ._xp import all_floats, array_namespace, compute_dtype, on_host


@kernel("RMSNormalization", since=23)
def rms_normalization(x, scale, *, axis=-1, epsilon=9.999999747378752e-06, stash_type=1):
    if not all_floats(x) or x.size == 0:
        return on_host(_numpy_rms, x, scale, axis=axis, epsilon=epsilon, stash_type=stash_type)
    xp = array_namespace(x)
    axes = trailing_axes(x.ndim, axis, "RMSNormalization")
    rows = x.astype(compute_for_stash(stash_dtype(stash_type), x.dtype), copy=False)
    rows = rows.reshape(math.prod(x.shape[: axes[0]]), math.prod(x.shape[axes[0]:]))
    y = rms_rows(xp, rows, epsilon).reshape(x.shape) * scale.astype(compute_dtype(scale.dtype), copy=False)
    return y.astype(x.dtype, copy=False)
