"""NonZero: the coordinates of the non-zero elements, one row per axis (int64, row-major order)."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel


@kernel("NonZero", since=9)
def non_zero(x):
    if x.ndim == 0:  # a scalar counts as a 1-element vector, as onnxruntime reports it
        return np.zeros((1, int(bool(x))), dtype=np.int64)
    return np.array(np.nonzero(x), dtype=np.int64).reshape(x.ndim, -1)
