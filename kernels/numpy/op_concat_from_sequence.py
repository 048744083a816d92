"""ConcatFromSequence: join a sequence's tensors along an existing axis, or stack them on a new one."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._sequence_util import check_sequence
from ._tensor_util import normalize_axis


@kernel("ConcatFromSequence", since=11)
def concat_from_sequence(input_sequence, *, axis=None, new_axis=0):
    seq = check_sequence(input_sequence, "ConcatFromSequence input_sequence")
    if axis is None:
        raise ValueError("ConcatFromSequence needs the 'axis' attribute")
    if not seq:
        raise ValueError("ConcatFromSequence: the sequence is empty, there is nothing to concatenate")
    first = seq[0]
    rank = first.ndim + (1 if new_axis else 0)
    if rank == 0:
        raise ValueError("ConcatFromSequence: cannot concatenate scalars without new_axis=1")
    axis = normalize_axis(axis, rank, "ConcatFromSequence axis")
    for i, x in enumerate(seq):
        if x.dtype != first.dtype:
            raise ValueError(f"ConcatFromSequence: tensors differ in type ({first.dtype} and {x.dtype} at {i})")
        if new_axis:
            same = x.shape == first.shape
        else:
            same = x.ndim == first.ndim and all(a == b for d, (a, b) in enumerate(zip(x.shape, first.shape)) if d != axis)
        if not same:
            raise ValueError(
                f"ConcatFromSequence: shapes {[list(y.shape) for y in seq]} do not "
                f"{'stack' if new_axis else 'join'} along axis {axis}"
            )
    return np.stack(seq, axis=axis) if new_axis else np.concatenate(seq, axis=axis)
