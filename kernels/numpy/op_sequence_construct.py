"""SequenceConstruct: a sequence of the input tensors, in order."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel


@kernel("SequenceConstruct", since=11)
def sequence_construct(*inputs):
    for i, x in enumerate(inputs):
        if not isinstance(x, np.ndarray):
            raise ValueError(f"SequenceConstruct input {i} must be a tensor")
        if x.dtype != inputs[0].dtype:
            raise ValueError(f"SequenceConstruct inputs differ in type: {inputs[0].dtype} and {x.dtype} (input {i})")
    return list(inputs)
