"""GroupNormalization: normalise each group of channels over the group's channels and spatial axes.

Revision 18 takes scale and bias per group (shape [num_groups]); revision 21 takes them per
channel (shape [C]) and adds stash_type, the precision of the statistics.
"""

from __future__ import annotations

import math

import numpy as np

from refrt.registry import kernel

from ._conv_util import as_compute
from ._norm_util import compute_for_stash, standardize_rows, stash_dtype


def _normalized(x: np.ndarray, num_groups, epsilon: float, compute: np.dtype) -> np.ndarray:
    """x normalised per (sample, group), shaped (N, G, C/G * prod(spatial))."""
    if num_groups is None:
        raise ValueError("GroupNormalization: the num_groups attribute is required")
    if x.ndim < 3:
        raise ValueError(f"GroupNormalization expects input of rank >= 3, got shape {x.shape}")
    n, c = x.shape[:2]
    if num_groups < 1 or c % num_groups != 0:
        raise ValueError(f"GroupNormalization: {c} channels cannot be split into num_groups={num_groups} groups")
    rows = x.astype(compute, copy=False).reshape(n * num_groups, math.prod(x.shape[1:]) // num_groups)
    normalized, _, _ = standardize_rows(rows, epsilon)
    return normalized.reshape(n, num_groups, rows.shape[1])


@kernel("GroupNormalization", since=21)
def group_normalization(x, scale, bias, *, epsilon=9.999999747378752e-06, num_groups=None, stash_type=1):
    c = x.shape[1] if x.ndim > 1 else 0
    if scale.shape != (c,) or bias.shape != (c,):
        raise ValueError(
            f"GroupNormalization: scale and bias must have shape ({c},) (one per channel), "
            f"got {scale.shape} and {bias.shape}"
        )
    y = _normalized(x, num_groups, epsilon, compute_for_stash(stash_dtype(stash_type), x.dtype)).reshape(x.shape)
    per_channel = (c,) + (1,) * (x.ndim - 2)
    y *= as_compute(scale).reshape(per_channel)
    y += as_compute(bias).reshape(per_channel)
    return y.astype(x.dtype, copy=False)


@kernel("GroupNormalization", since=18, until=20)
def group_normalization_18(x, scale, bias, *, epsilon=9.999999747378752e-06, num_groups=None):
    if num_groups is not None and (scale.shape != (num_groups,) or bias.shape != (num_groups,)):
        raise ValueError(
            f"GroupNormalization-18: scale and bias must have shape ({num_groups},) (one per group), "
            f"got {scale.shape} and {bias.shape}"
        )
    y = _normalized(as_compute(x), num_groups, epsilon, as_compute(x).dtype)
    y *= as_compute(scale).reshape(num_groups, 1)
    y += as_compute(bias).reshape(num_groups, 1)
    return y.reshape(x.shape).astype(x.dtype, copy=False)
