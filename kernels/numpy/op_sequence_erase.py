"""SequenceErase: a new sequence without the tensor at a position (the last one by default)."""

from __future__ import annotations

from refrt.registry import kernel

from ._sequence_util import check_sequence, position_of


@kernel("SequenceErase", since=11)
def sequence_erase(input_sequence, position=None):
    seq = check_sequence(input_sequence, "SequenceErase input_sequence")
    if not seq:
        raise ValueError("SequenceErase: the sequence is empty, there is nothing to erase")
    pos = len(seq) - 1 if position is None else position_of(position, len(seq), "SequenceErase position")
    return seq[:pos] + seq[pos + 1 :]
