"""Shape: the input's dimensions as a 1-D int64 tensor (a [start, end) window of them from opset 15)."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel


@kernel("Shape", since=1, until=14)
def shape_1(data):
    return np.array(data.shape, dtype=np.int64)


@kernel("Shape", since=15)
def shape_15(data, *, end=None, start=0):
    # start/end are clamped to [0, rank] after adding rank to negative values, as the spec says.
    return np.array(data.shape[slice(start, end)], dtype=np.int64)
