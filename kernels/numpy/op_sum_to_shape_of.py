"""refrt.internal SumToShapeOf: undo broadcasting; sums a gradient down to the shape of a value.

Emitted by the Gradient op's backward pass (refrt/gradient.py), never by exporters.
"""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel


@kernel("SumToShapeOf", domain="refrt.internal", since=1)
def sum_to_shape_of(grad, like):
    shape = np.shape(like)
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape) if n == 1 and grad.shape[lead + i] != 1)
    out = grad.sum(axis=axes, keepdims=True) if axes else grad
    return out.reshape(shape).astype(grad.dtype, copy=False)
