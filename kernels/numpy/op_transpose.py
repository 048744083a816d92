"""Transpose: permute the axes; without ``perm`` the axes are reversed."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel


@kernel("Transpose", since=1)
def transpose(data, *, perm=None):
    if perm is None:
        return np.transpose(data)
    perm = [int(p) for p in perm]
    if sorted(perm) != list(range(data.ndim)):
        raise ValueError(f"Transpose: perm {perm} is not a permutation of the {data.ndim} axes of shape {data.shape}")
    return np.transpose(data, perm)
