"""SequenceAt: the tensor at a position of a sequence."""

from __future__ import annotations

from refrt.registry import kernel

from ._sequence_util import check_sequence, position_of


@kernel("SequenceAt", since=11)
def sequence_at(input_sequence, position):
    seq = check_sequence(input_sequence, "SequenceAt input_sequence")
    return seq[position_of(position, len(seq), "SequenceAt position")]
