"""LayerNormalization (revision 17): normalise over the axes from ``axis`` to the last.

The statistics are computed in stash_type's precision (at least float32; float64 inputs stay
float64, as in onnxruntime), and so is the product with Scale and the sum with B; Y is rounded to
X's type once at the end, as onnxruntime does. Mean and InvStdDev keep the reduced axes as size 1,
in stash_type.
"""

from __future__ import annotations

import math

from refrt.registry import kernel

from ._conv_util import as_compute
from ._norm_util import compute_for_stash, standardize_rows, stash_dtype, trailing_axes


@kernel("LayerNormalization", since=17)
def layer_normalization(
    x, scale, b=None, *, axis=-1, epsilon=9.999999747378752e-06, stash_type=1, _output_used=(True,)
):
    stash = stash_dtype(stash_type)
    axes = trailing_axes(x.ndim, axis, "LayerNormalization")
    outer = x.shape[: axes[0]]
    inner = x.shape[axes[0] :]
    rows = x.astype(compute_for_stash(stash, x.dtype), copy=False).reshape(math.prod(outer), math.prod(inner))
    normalized, mean, inv_std = standardize_rows(rows, epsilon)
    y = normalized.reshape(x.shape)
    y *= as_compute(scale)  # Scale and B broadcast over the normalised axes only
    if b is not None:
        y += as_compute(b)
    y = y.astype(x.dtype, copy=False)
    if len(_output_used) == 1:
        return y
    stats_shape = outer + (1,) * len(axes)
    return (
        y,
        mean.reshape(stats_shape).astype(stash, copy=False),
        inv_std.reshape(stats_shape).astype(stash, copy=False),
    )[: len(_output_used)]
