"""ThresholdedRelu: x where x > alpha, else 0."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel


@kernel("ThresholdedRelu", since=10)
def thresholded_relu(x, *, alpha=1.0):
    return np.asarray(np.where(x > alpha, x, 0).astype(x.dtype, copy=False))
