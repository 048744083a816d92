"""Trilu: keep the upper (or lower) triangle of the last two axes, shifted by diagonal k."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._tensor_util import scalar_of


@kernel("Trilu", since=14)
def trilu(x, k=None, *, upper=1):
    if x.ndim < 2:
        raise ValueError(f"Trilu needs an input of rank >= 2, got shape {x.shape}")
    diag = 0 if k is None else int(scalar_of(k, "Trilu k"))
    return np.triu(x, diag) if upper else np.tril(x, diag)
