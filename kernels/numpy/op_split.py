"""Split: cut a tensor along ``axis`` into given lengths, or into equal parts (one per output)."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._tensor_util import int_list, normalize_axis


def _split(x, axis: int, split: list[int] | None, n_parts: int, uneven: bool = False):
    if x.ndim == 0:
        raise ValueError("Split needs an input of rank >= 1, got a scalar")
    axis = normalize_axis(axis, x.ndim, "Split axis")
    dim = x.shape[axis]
    if split is None:
        if n_parts < 1:
            raise ValueError(f"Split: cannot split into {n_parts} parts")
        if uneven:  # opset 18 num_outputs: ceil-sized chunks, the last one smaller
            chunk = -(-dim // n_parts)
            split = [min(chunk, max(dim - i * chunk, 0)) for i in range(n_parts)]
        elif dim % n_parts:
            raise ValueError(f"Split: dimension {dim} of axis {axis} does not divide into {n_parts} equal parts")
        else:
            split = [dim // n_parts] * n_parts
    if any(s < 0 for s in split) or sum(split) != dim:
        raise ValueError(f"Split: lengths {split} must be >= 0 and sum to the dimension {dim} of axis {axis}")
    if len(split) != n_parts:
        raise ValueError(f"Split: {len(split)} lengths given for {n_parts} outputs")
    parts = tuple(np.split(x, np.cumsum(split)[:-1].tolist(), axis=axis))
    return parts if len(parts) > 1 else parts[0]  # a one-output node takes a bare array


@kernel("Split", since=1, until=1)
def split_1(x, split_input=None, *, axis=None, split=None, _num_outputs=1):
    # Revision 1 takes the lengths from an optional input or the attribute; its axis has no
    # schema default, and 0 (as from revision 2) is used.
    if split_input is not None:  # typed like the data in this revision
        split = [int(v) for v in np.asarray(split_input).reshape(-1)]
    split = None if split is None else [int(s) for s in split]
    return _split(x, 0 if axis is None else axis, split, _num_outputs)


@kernel("Split", since=2, until=12)
def split_2(x, *, axis=0, split=None, _num_outputs=1):
    split = None if split is None else [int(s) for s in split]
    return _split(x, axis, split, _num_outputs)


@kernel("Split", since=13, until=17)
def split_13(x, split=None, *, axis=0, _num_outputs=1):
    split = None if split is None else int_list(split, "Split split")
    return _split(x, axis, split, _num_outputs)


@kernel("Split", since=18)
def split_18(x, split=None, *, axis=0, num_outputs=None, _num_outputs=1):
    if split is not None and num_outputs is not None:
        raise ValueError("Split: give either the 'split' input or the 'num_outputs' attribute, not both")
    if num_outputs is not None and num_outputs != _num_outputs:
        raise ValueError(f"Split: num_outputs={num_outputs} but the node declares {_num_outputs} outputs")
    split = None if split is None else int_list(split, "Split split")
    return _split(x, axis, split, _num_outputs, uneven=num_outputs is not None)
