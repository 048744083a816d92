"""Unique: the distinct elements (or, with ``axis``, distinct slices along it) of a tensor, with the
index of each one's first occurrence, the inverse mapping and the counts.

Sorted (the default) orders values ascending and slices lexicographically; sorted=0 keeps the
order of first occurrence. One sort does it all: a stable lexicographic sort of the rows (the
elements, or the slices flattened), then equal neighbours form the groups.
"""

from __future__ import annotations

import ml_dtypes
import numpy as np

from refrt.registry import kernel

from ._tensor_util import normalize_axis


def _first_occurrence_order(indices: np.ndarray):
    """Renumber groups by first occurrence: the permutation and the old-to-new group map."""
    perm = np.argsort(indices, kind="stable")
    rank = np.empty_like(perm)
    rank[perm] = np.arange(perm.size)
    return perm, rank


_BFLOAT16 = np.dtype(ml_dtypes.bfloat16)


@kernel("Unique", since=11)
def unique(x, *, axis=None, sorted=1, _output_used=(True,)):  # noqa: A002 - ONNX's name
    if axis is None:
        rows = x.reshape(-1, 1)
        ax = 0
    else:
        if x.ndim == 0:
            raise ValueError("Unique: axis is given but the input is a scalar")
        ax = normalize_axis(axis, x.ndim, "Unique axis")
        rows = np.moveaxis(x, ax, 0).reshape(x.shape[ax], -1)
    if rows.dtype == _BFLOAT16:
        rows = rows.astype(np.float32)  # exact; NumPy's sorts place NaN last only for its own floats
    n = rows.shape[0]
    if rows.shape[1] == 1:
        order = np.argsort(rows[:, 0], kind="stable")
    elif rows.shape[1] == 0:
        order = np.arange(n)
    else:
        # lexsort's last key is the primary one: reverse the columns.
        order = np.lexsort(rows.T[::-1])
    srt = rows[order]
    starts = np.ones(n, dtype=bool)
    if n > 1:
        differ = srt[1:] != srt[:-1]
        if rows.dtype.kind in "fc":
            # NaNs sort last and count as one value, as in np.unique (onnxruntime's answer for
            # NaN is an artefact of its ordering: every value equal to NaN).
            differ &= ~(np.isnan(srt[1:]) & np.isnan(srt[:-1]))
        starts[1:] = np.any(differ, axis=1)
    group_of_sorted = np.cumsum(starts) - 1
    start_pos = np.flatnonzero(starts)
    # The sort is stable, so each group's first sorted element is its first occurrence.
    indices = order[start_pos].astype(np.int64)
    counts = np.diff(np.append(start_pos, n)).astype(np.int64)
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = group_of_sorted
    if not sorted:
        perm, rank = _first_occurrence_order(indices)
        indices, counts, inverse = indices[perm], counts[perm], rank[inverse]
    y = x.reshape(-1)[indices] if axis is None else np.take(x, indices, axis=ax)
    if len(_output_used) == 1:
        return y
    return tuple(v if used else None for v, used in zip((y, indices, inverse, counts), _output_used))
