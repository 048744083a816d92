"""refrt RMSNormalization: what fuse_rms_normalization makes of the primitive pattern (Pow 2 or
Mul, ReduceMean, Add eps, Sqrt, Reciprocal or Div, Mul gamma) in models whose default opset is below
23. The meaning of the standard RMSNormalization-23 with the default stash_type:
y = x / sqrt(mean(x^2) + epsilon) * scale over the axes from ``axis`` on, in float32 (float64 stays
float64), rounded to X's type once at the end."""

from __future__ import annotations

import math

from refrt.registry import kernel

from ._fused_util import compute_dtype, rms_norm_rows
from ._norm_util import trailing_axes


@kernel("RMSNormalization", domain="refrt", since=1)
def rms_normalization(x, scale, *, axis=-1, epsilon=1e-05):
    start = trailing_axes(x.ndim, axis, "RMSNormalization")[0]
    work = compute_dtype(x.dtype)
    rows = x.reshape(math.prod(x.shape[:start]), math.prod(x.shape[start:])).astype(work, copy=False)
    y = rms_norm_rows(rows, scale.reshape(-1).astype(work, copy=False), epsilon)
    return y.reshape(x.shape).astype(x.dtype, copy=False)
