"""Row statistics on the device for Softmax and the normalisations: xp reductions over the last axis of
a 2-D (rows, d) view, in float32 for float16 inputs (float64 stays float64), rounded once."""

from __future__ import annotations

import numpy as np


def softmax_rows(xp, rows, log: bool):
    """(Log)Softmax of each row: x - max, then exp / sum (or - log(sum(exp)))."""
    with np.errstate(all="ignore"):
        y = rows - rows.max(axis=1, keepdims=True)
        e = xp.exp(y)
        s = e.sum(axis=1, keepdims=True)
        return y - xp.log(s) if log else e / s


def standardize_rows(xp, rows, epsilon: float):
    """((rows - mean) * inv_std, mean, inv_std) per row, inv_std = 1 / sqrt(var + epsilon)."""
    d = max(rows.shape[1], 1)
    mean = rows.sum(axis=1, keepdims=True) * rows.dtype.type(1.0 / d)
    centred = rows - mean
    var = (centred * centred).sum(axis=1, keepdims=True) * rows.dtype.type(1.0 / d)
    inv_std = rows.dtype.type(1) / xp.sqrt(var + rows.dtype.type(epsilon))
    return centred * inv_std, mean, inv_std


def rms_rows(xp, rows, epsilon: float):
    d = max(rows.shape[1], 1)
    ms = (rows * rows).sum(axis=1, keepdims=True) * rows.dtype.type(1.0 / d)
    return rows * (rows.dtype.type(1) / xp.sqrt(ms + rows.dtype.type(epsilon)))
