"""MeanVarianceNormalization: y = (x - mean) / (std + 1e-9) over ``axes`` (revisions 9 and 13:
types only). The 1e-9 is the spec's function body's, which keeps a constant input finite."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._conv_util import as_compute

_EPSILON = 1e-9


@kernel("MeanVarianceNormalization", since=9)
def mean_variance_normalization(x, *, axes=[0, 2, 3]):  # noqa: B006 (the schema's default; never mutated)
    rank = x.ndim
    if any(not -rank <= a < rank for a in axes):
        raise ValueError(f"MeanVarianceNormalization: axes {list(axes)} out of range for an input of rank {rank}")
    axes = tuple(sorted({int(a) % rank for a in axes}))
    xc = as_compute(x)
    centered = xc - xc.mean(axis=axes, keepdims=True)
    std = np.sqrt(np.square(centered).mean(axis=axes, keepdims=True))
    return (centered / (std + _EPSILON)).astype(x.dtype, copy=False)

