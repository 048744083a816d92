"""LpNormalization: x divided by its p-norm (p = 1 or 2) along ``axis`` (revisions 1 and 22: types
only). A zero vector stays zero, as in onnxruntime."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._conv_util import as_compute


@kernel("LpNormalization", since=1)
def lp_normalization(x, *, axis=-1, p=2):
    if p not in (1, 2):
        raise ValueError(f"LpNormalization: p must be 1 or 2, got {p}")
    if not -x.ndim <= axis < max(x.ndim, 1):
        raise ValueError(f"LpNormalization: axis {axis} is out of range for an input of rank {x.ndim}")
    xc = as_compute(x)
    if p == 1:
        norm = np.abs(xc).sum(axis=axis, keepdims=True)
    else:
        norm = np.sqrt(np.square(xc).sum(axis=axis, keepdims=True))
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.where(norm != 0, xc / norm, 0)
    return y.astype(x.dtype, copy=False)
