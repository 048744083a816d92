"""ReverseSequence: reverse the first sequence_lens[b] steps along time_axis, for each batch entry b."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel


@kernel("ReverseSequence", since=10)
def reverse_sequence(x, sequence_lens, *, batch_axis=1, time_axis=0):
    if x.ndim < 2:
        raise ValueError(f"ReverseSequence needs an input of rank >= 2, got shape {x.shape}")
    if {batch_axis, time_axis} != {0, 1}:
        raise ValueError(f"ReverseSequence: batch_axis ({batch_axis}) and time_axis ({time_axis}) must be 0 and 1")
    n_batch, n_time = x.shape[batch_axis], x.shape[time_axis]
    lens = np.asarray(sequence_lens).astype(np.int64).reshape(-1)
    if lens.shape != (n_batch,):
        raise ValueError(f"ReverseSequence: sequence_lens has shape {np.shape(sequence_lens)}, expected ({n_batch},)")
    if lens.size and (lens.min() < 0 or lens.max() > n_time):
        raise ValueError(f"ReverseSequence: sequence_lens {lens.tolist()} must be in [0, {n_time}]")
    # Source time step for each (time, batch): mirrored inside the sequence, unchanged past it.
    t = np.arange(n_time).reshape(n_time, 1)
    src = np.where(t < lens, lens - 1 - t, t)  # shape (time, batch)
    if time_axis == 1:
        src = src.T
    src = src.reshape(src.shape + (1,) * (x.ndim - 2))
    return np.take_along_axis(x, src, axis=time_axis)
