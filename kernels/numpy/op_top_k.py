"""TopK: the k largest (or smallest) elements along ``axis`` and their indices; ties keep the lower index."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._tensor_util import normalize_axis, scalar_of


def _top_k(x, k: int, axis: int, largest: int, sorted: int):
    if x.ndim == 0:
        raise ValueError("TopK needs an input of rank >= 1, got a scalar")
    axis = normalize_axis(axis, x.ndim, "TopK axis")
    if not 0 <= k <= x.shape[axis]:
        raise ValueError(f"TopK: k={k} must be in [0, {x.shape[axis]}] for axis {axis} of shape {x.shape}")
    if largest:
        # A stable ascending sort of the reversed axis, read backwards, is descending with ties
        # in ascending index order.
        n = x.shape[axis]
        order = np.argsort(np.flip(x, axis), axis=axis, kind="stable")
        order = n - 1 - np.flip(order, axis)
    else:
        order = np.argsort(x, axis=axis, kind="stable")
    # "sorted=0" leaves the order unspecified; the sorted order is a valid choice.
    idx = np.take(order, np.arange(k), axis=axis).astype(np.int64)
    return np.take_along_axis(x, idx, axis=axis), idx


@kernel("TopK", since=1, until=9)
def top_k_1(x, *, axis=-1, k=None):
    if k is None:
        raise ValueError("TopK-1 needs the 'k' attribute")
    return _top_k(x, int(k), axis, 1, 1)


@kernel("TopK", since=10, until=10)
def top_k_10(x, k, *, axis=-1):
    return _top_k(x, int(scalar_of(k, "TopK K")), axis, 1, 1)


@kernel("TopK", since=11)
def top_k_11(x, k, *, axis=-1, largest=1, sorted=1):
    return _top_k(x, int(scalar_of(k, "TopK K")), axis, largest, sorted)
