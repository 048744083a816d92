"""SequenceLength: how many tensors a sequence holds, as an int64 scalar."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._sequence_util import check_sequence


@kernel("SequenceLength", since=11)
def sequence_length(input_sequence):
    return np.array(len(check_sequence(input_sequence, "SequenceLength input_sequence")), dtype=np.int64)
