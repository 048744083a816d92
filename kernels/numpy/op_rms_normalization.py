"""RMSNormalization (revision 23): y = x / sqrt(mean(x^2) + epsilon) * scale, over the axes from
``axis`` to the last, in stash_type's precision (at least float32), rounded to X's type at the end."""

from __future__ import annotations

import math

import numpy as np

from refrt.registry import kernel

from ._conv_util import as_compute
from ._norm_util import compute_for_stash, stash_dtype, trailing_axes


@kernel("RMSNormalization", since=23)
def rms_normalization(x, scale, *, axis=-1, epsilon=9.999999747378752e-06, stash_type=1):
    axes = trailing_axes(x.ndim, axis, "RMSNormalization")
    rows = x.astype(compute_for_stash(stash_dtype(stash_type), x.dtype), copy=False)
    rows = rows.reshape(math.prod(x.shape[: axes[0]]), math.prod(x.shape[axes[0] :]))
    mean_square = np.einsum("ij,ij->i", rows, rows) / max(rows.shape[1], 1)
    y = (rows * (1.0 / np.sqrt(mean_square + epsilon))[:, None]).reshape(x.shape)
    y *= as_compute(scale)
    return y.astype(x.dtype, copy=False)
