"""ThresholdedRelu: x where x > alpha, else 0."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array


@kernel("ThresholdedRelu", since=10)
def thresholded_relu(x, *, alpha=1.0):
    return as_array(np.where(x > alpha, x, 0).astype(x.dtype, copy=False))
