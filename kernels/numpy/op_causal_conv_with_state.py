"""CausalConvWithState: depthwise causal 1-D convolution that carries its last k-1 inputs as state.

The (k-1)-sample state (zeros by default) is prepended, each channel convolved with its own
kernel over a strided view of the padded sequence, optionally followed by SiLU; the new state
is the last k-1 samples of the padded sequence.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from refrt.registry import kernel

from ._conv_util import as_compute


@kernel("CausalConvWithState", since=27)
def causal_conv_with_state(x, weight, bias=None, past_state=None, *, activation="none"):
    if activation not in ("none", "silu", "swish"):
        raise ValueError(f"CausalConvWithState: activation must be none, silu or swish, got {activation!r}")
    if x.ndim != 3:
        raise ValueError(f"CausalConvWithState: input must be (batch, channels, length), got {x.shape}")
    batch, channels, _ = x.shape
    if weight.ndim != 3 or weight.shape[:2] != (channels, 1) or weight.shape[2] < 1:
        raise ValueError(f"CausalConvWithState: weight must be ({channels}, 1, k), got {weight.shape}")
    k = weight.shape[2]
    if past_state is None:
        past_state = np.zeros((batch, channels, k - 1), x.dtype)
    elif past_state.shape != (batch, channels, k - 1):
        raise ValueError(f"CausalConvWithState: past_state must be {(batch, channels, k - 1)}, got {past_state.shape}")
    if bias is not None and bias.shape != (channels,):
        raise ValueError(f"CausalConvWithState: bias must have shape ({channels},), got {bias.shape}")
    padded = np.concatenate((past_state.astype(x.dtype, copy=False), x), axis=2)
    windows = sliding_window_view(as_compute(padded), k, axis=2)  # (batch, channels, length, k)
    y = np.einsum("bclk,ck->bcl", windows, as_compute(weight)[:, 0, :])
    if bias is not None:
        y += as_compute(bias)[:, None]
    y = y.astype(x.dtype, copy=False)
    if activation != "none":
        # SiLU in float32 on the rounded convolution, as the reference computes it.
        y32 = y.astype(np.float32) if y.dtype.itemsize < 4 or y.dtype.kind != "f" else y
        y = (y32 / (1 + np.exp(-y32))).astype(x.dtype, copy=False)
    present = np.ascontiguousarray(padded[:, :, padded.shape[2] - (k - 1):])
    return y, present
