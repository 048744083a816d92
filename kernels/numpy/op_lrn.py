"""LRN: local response normalization across channels (revisions 1 and 13: types only).

y = x / (bias + alpha / size * sum of x^2 over the channel window) ^ beta, where the window of
channel c is [c - floor((size-1)/2), c + ceil((size-1)/2)], clipped to the channels that exist.
"""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._conv_util import as_compute


@kernel("LRN", since=1)
def lrn(x, *, alpha=9.999999747378752e-05, beta=0.75, bias=1.0, size=None):
    if size is None:
        raise ValueError("LRN: the size attribute is required")
    size = int(size)
    if size < 1:
        raise ValueError(f"LRN: size must be positive, got {size}")
    if x.ndim < 3:
        raise ValueError(f"LRN expects an input of rank >= 3 (N, C, spatial...), got shape {x.shape}")
    xc = as_compute(x)
    channels = x.shape[1]
    before, after = (size - 1) // 2, size - 1 - (size - 1) // 2
    # Zero-pad the squares along the channel axis; a loop over the `size` window offsets sums them.
    widths = [(0, 0)] * x.ndim
    widths[1] = (before, after)
    squares = np.pad(np.square(xc), widths)
    square_sum = np.zeros_like(xc)
    for offset in range(size):
        square_sum += squares[:, offset : offset + channels]
    y = xc / (bias + (alpha / size) * square_sum) ** beta
    return y.astype(x.dtype, copy=False)
