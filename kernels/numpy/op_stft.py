"""STFT: DFTs of overlapping, windowed frames of a [batch, length, 1|2] signal -> [batch, frames, bins, 2].

Frames start every frame_step samples; there are 1 + (length - frame_length) // frame_step of them.
All frames are one strided view and one batched FFT.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from refrt.registry import kernel

from ._signal_util import as_complex, from_complex
from ._tensor_util import scalar_of


@kernel("STFT", since=17)
def stft(signal, frame_step, window=None, frame_length=None, *, onesided=1):
    if signal.ndim != 3:
        raise ValueError(f"STFT: signal must be [batch, length, 1 or 2], got shape {signal.shape}")
    step = int(scalar_of(frame_step, "STFT frame_step"))
    if step < 1:
        raise ValueError(f"STFT: frame_step must be positive, got {step}")
    if window is not None and window.ndim != 1:
        raise ValueError(f"STFT: window must be 1-D, got shape {window.shape}")
    if frame_length is not None:
        length = int(scalar_of(frame_length, "STFT frame_length"))
        if window is not None and window.shape[0] != length:
            raise ValueError(f"STFT: window of {window.shape[0]} samples for frame_length {length}")
    else:
        length = window.shape[0] if window is not None else signal.shape[1]
    if not 1 <= length <= signal.shape[1]:
        raise ValueError(f"STFT: frame_length {length} must lie in [1, {signal.shape[1]}]")
    if onesided and signal.shape[2] == 2:
        raise ValueError("STFT: onesided output needs a real signal")
    z = as_complex(signal, "STFT")  # (batch, length)
    frames = sliding_window_view(z, length, axis=1)[:, ::step]  # (batch, frames, length)
    if window is not None:
        frames = frames * window.astype(frames.real.dtype)
    y = np.fft.fft(frames, axis=-1)
    if onesided:
        y = y[..., : length // 2 + 1]
    return from_complex(y, signal.dtype)
