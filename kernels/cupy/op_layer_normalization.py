"""LayerNormalization (17+) on the device: row mean and variance with xp reductions over the trailing
axes, in stash_type's precision (float32 at least), rounded once to X's type; the Mean and InvStdDev
outputs when read. Non-float types run the NumPy kernel on the host."""

from __future__ import annotations

import math

from refrt.kernels.numpy.op_layer_normalization import layer_normalization as _numpy_ln
from refrt.kernels.numpy._norm_util import compute_for_stash, stash_dtype, trailing_axes
from refrt.registry import kernel

from ._norm import standardize_rows
from ._xp import all_floats, array_namespace, compute_dtype, on_host


@kernel("LayerNormalization", since=17)
def layer_normalization(
    x, scale, b=None, *, axis=-1, epsilon=9.999999747378752e-06, stash_type=1, _output_used=(True,)
):
    if not all_floats(x) or x.size == 0:
        return on_host(_numpy_ln, x, scale, b, axis=axis, epsilon=epsilon, stash_type=stash_type,
                       _output_used=_output_used)
    xp = array_namespace(x)
    stash = stash_dtype(stash_type)
    axes = trailing_axes(x.ndim, axis, "LayerNormalization")
    outer, inner = x.shape[: axes[0]], x.shape[axes[0]:]
    work = compute_for_stash(stash, x.dtype)
    rows = x.astype(work, copy=False).reshape(math.prod(outer), math.prod(inner))
    normalized, mean, inv_std = standardize_rows(xp, rows, epsilon)
    y = normalized.reshape(x.shape) * scale.astype(compute_dtype(scale.dtype), copy=False)
    if b is not None:
        y = y + b.astype(compute_dtype(b.dtype), copy=False)
    y = y.astype(x.dtype, copy=False)
    if len(_output_used) == 1:
        return y
    stats_shape = outer + (1,) * len(axes)
    return (y, mean.reshape(stats_shape).astype(stash, copy=False),
            inv_std.reshape(stats_shape).astype(stash, copy=False))[: len(_output_used)]
