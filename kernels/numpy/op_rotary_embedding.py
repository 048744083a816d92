"""RotaryEmbedding: rotate pairs of each head's first rotary_embedding_dim features by position-
dependent angles (pairs are the two halves, or neighbours when interleaved); the rest pass through.

Computed in the input's type, step for step as the schema's reference algorithm.
"""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel


@kernel("RotaryEmbedding", since=23)
def rotary_embedding(x, cos_cache, sin_cache, position_ids=None, *, interleaved=0, num_heads=None,
                     rotary_embedding_dim=0):
    if x.ndim == 4:
        xs = x.transpose(0, 2, 1, 3)  # (batch, seq, heads, head_size)
    elif x.ndim == 3:
        if not num_heads:
            raise ValueError("RotaryEmbedding: 3-D input needs the num_heads attribute")
        b, s, hidden = x.shape
        if hidden % num_heads:
            raise ValueError(f"RotaryEmbedding: hidden size {hidden} is not a multiple of num_heads={num_heads}")
        xs = x.reshape(b, s, num_heads, hidden // num_heads)
    else:
        raise ValueError(f"RotaryEmbedding: input must be 3-D or 4-D, got shape {x.shape}")
    batch, seq, _, head = xs.shape
    dim = rotary_embedding_dim or head
    if dim > head or dim % 2:
        raise ValueError(f"RotaryEmbedding: rotary_embedding_dim {dim} must be even and at most head size {head}")
    half = dim // 2
    if position_ids is not None:
        ids = np.asarray(position_ids).astype(np.int64)
        if cos_cache.ndim != 2 or sin_cache.ndim != 2:
            raise ValueError("RotaryEmbedding: with position_ids the caches must be 2-D (positions, dim/2)")
        if ids.min(initial=0) < 0 or ids.max(initial=0) >= cos_cache.shape[0]:
            raise ValueError(f"RotaryEmbedding: position_ids must lie in [0, {cos_cache.shape[0]})")
        cos, sin = cos_cache[ids], sin_cache[ids]
    else:
        cos, sin = cos_cache, sin_cache
    if cos.shape[-1] != half or sin.shape[-1] != half:
        raise ValueError(f"RotaryEmbedding: the caches' last axis must be rotary_embedding_dim/2 = {half}")
    try:
        cos = np.broadcast_to(cos, (batch, seq, half))[:, :, None, :]
        sin = np.broadcast_to(sin, (batch, seq, half))[:, :, None, :]
    except ValueError:
        raise ValueError(
            f"RotaryEmbedding: caches of shape {cos_cache.shape} do not fit (batch, seq) = {(batch, seq)}"
        ) from None
    rot = xs[..., :dim]
    if interleaved:
        x1, x2 = rot[..., 0::2], rot[..., 1::2]
    else:
        x1, x2 = rot[..., :half], rot[..., half:]
    real = cos * x1 - sin * x2
    imag = sin * x1 + cos * x2
    out = np.empty(xs.shape, x.dtype)
    if interleaved:
        out[..., 0:dim:2] = real
        out[..., 1:dim:2] = imag
    else:
        out[..., :half] = real
        out[..., half:dim] = imag
    out[..., dim:] = xs[..., dim:]
    return out.transpose(0, 2, 1, 3) if x.ndim == 4 else out.reshape(x.shape)
