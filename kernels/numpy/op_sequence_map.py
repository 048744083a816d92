"""SequenceMap: run a body on each position of a sequence; each body output becomes a sequence."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._sequence_util import check_sequence


@kernel("SequenceMap", since=17)
def sequence_map(input_sequence, *additional_inputs, body, _num_outputs):
    seq = check_sequence(input_sequence, "SequenceMap input_sequence")
    for i, extra in enumerate(additional_inputs):
        # Additional sequences are walked in step with the first; tensors are passed whole.
        if isinstance(extra, list) and len(extra) != len(seq):
            raise ValueError(
                f"SequenceMap: additional input {i} is a sequence of length {len(extra)}, "
                f"the input sequence has length {len(seq)}"
            )
        if not isinstance(extra, (list, np.ndarray)):
            raise ValueError(f"SequenceMap: additional input {i} must be a tensor or a sequence")
    results: list[list] = [[] for _ in range(_num_outputs)]
    for i, item in enumerate(seq):
        outputs = body(item, *(x[i] if isinstance(x, list) else x for x in additional_inputs))
        if len(outputs) != _num_outputs:
            raise ValueError(f"SequenceMap body returned {len(outputs)} values, the node declares {_num_outputs}")
        for acc, value in zip(results, outputs):
            acc.append(value)
    return results[0] if _num_outputs == 1 else tuple(results)
