"""Multinomial: sample_size class indices per batch row, from unnormalised log-probabilities."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._random_util import generator, output_dtype


@kernel("Multinomial", since=7)
def multinomial(x, *, dtype=6, sample_size=1, seed=None):
    if x.ndim != 2:
        raise ValueError(f"Multinomial input must be 2-D [batch, classes], got shape {x.shape}")
    logits = x.astype(np.float64)
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    cdf = np.cumsum(p / p.sum(axis=1, keepdims=True), axis=1)
    u = generator(seed).random(size=(x.shape[0], sample_size, 1))
    # Inverse-CDF sampling for all rows at once: count the classes whose CDF lies below u.
    idx = (cdf[:, None, :] < u).sum(axis=2)
    return np.minimum(idx, x.shape[1] - 1).astype(output_dtype(dtype))
