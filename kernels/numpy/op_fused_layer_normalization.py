"""refrt LayerNormalization: what fuse_layer_normalization makes of the primitive pattern
(ReduceMean, Sub, Pow, ReduceMean, Add eps, Sqrt, Div, Mul gamma, Add beta) in models whose default
opset is below 17. The meaning of the standard LayerNormalization-17 with one output and the
default stash_type: normalised over the axes from ``axis`` on, in float32 (float64 stays float64),
rounded to X's type once at the end."""

from __future__ import annotations

import math

from refrt.registry import kernel

from ._fused_util import compute_dtype, layer_norm_rows
from ._norm_util import trailing_axes


@kernel("LayerNormalization", domain="refrt", since=1)
def layer_normalization(x, scale, b=None, *, axis=-1, epsilon=1e-05):
    start = trailing_axes(x.ndim, axis, "LayerNormalization")[0]
    work = compute_dtype(x.dtype)
    rows = x.reshape(math.prod(x.shape[:start]), math.prod(x.shape[start:]))
    y = layer_norm_rows(rows.astype(work, copy=False), scale.reshape(-1).astype(work, copy=False),
                        None if b is None else b.reshape(-1).astype(work, copy=False), epsilon)
    return y.reshape(x.shape).astype(x.dtype, copy=False)
