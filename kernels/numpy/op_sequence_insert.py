"""SequenceInsert: a new sequence with a tensor inserted at a position (the end by default)."""

from __future__ import annotations

from refrt.registry import kernel

from ._sequence_util import check_same_type, check_sequence, position_of


@kernel("SequenceInsert", since=11)
def sequence_insert(input_sequence, tensor, position=None):
    seq = check_sequence(input_sequence, "SequenceInsert input_sequence")
    check_same_type(tensor, seq, "SequenceInsert tensor")
    pos = len(seq) if position is None else position_of(position, len(seq), "SequenceInsert position", end_allowed=True)
    return [*seq[:pos], tensor, *seq[pos:]]
