"""SplitToSequence: cut a tensor along ``axis`` into a sequence of pieces."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._tensor_util import normalize_axis


# Revision 24 only adds types.
@kernel("SplitToSequence", since=11)
def split_to_sequence(x, split=None, *, axis=0, keepdims=1):
    if x.ndim == 0:
        raise ValueError("SplitToSequence needs an input of rank >= 1, got a scalar")
    axis = normalize_axis(axis, x.ndim, "SplitToSequence axis")
    dim = x.shape[axis]
    if split is None:
        # Pieces of length 1; keepdims=0 drops the split axis from each of them.
        pieces = np.moveaxis(x, axis, 0)
        return [p if not keepdims else np.expand_dims(p, axis) for p in pieces]
    split = np.asarray(split)
    if split.dtype.kind not in "iu" or split.ndim > 1:
        raise ValueError(
            f"SplitToSequence split must be an integer scalar or 1-D tensor, got {split.dtype}{list(split.shape)}"
        )
    if split.ndim == 0:
        size = int(split)
        if size <= 0:
            raise ValueError(f"SplitToSequence split {size} must be positive")
        lengths = [size] * (dim // size) + ([dim % size] if dim % size else [])
    else:
        lengths = [int(v) for v in split]
        if any(n < 0 for n in lengths) or sum(lengths) != dim:
            raise ValueError(
                f"SplitToSequence: lengths {lengths} must be >= 0 and sum to the dimension {dim} of axis {axis}"
            )
    if not lengths:
        return []
    return list(np.split(x, np.cumsum(lengths)[:-1], axis=axis))
