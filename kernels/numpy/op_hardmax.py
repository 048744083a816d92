"""Hardmax: 1 at the first maximum along an axis, 0 elsewhere."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._reduce_util import as_2d, normalize_axis


@kernel("Hardmax", since=13)
def hardmax(x, *, axis=-1):
    axis = normalize_axis(axis, x.ndim, "Hardmax")
    y = np.zeros_like(x)
    if x.shape[axis]:
        np.put_along_axis(y, np.argmax(x, axis=axis, keepdims=True), 1, axis=axis)
    return y


@kernel("Hardmax", since=1, until=12)
def hardmax_2d(x, *, axis=1):
    """Before opset 13: over all of shape[axis:] at once (the input seen as 2-D)."""
    return hardmax(as_2d(x, axis, "Hardmax"), axis=1).reshape(x.shape)
