"""refrt MultiHeadAttention: what fuse_attention makes of multi-head attention as PyTorch exports
BERT: projections split into heads (Reshape, Transpose), MatMul(Q, K^T), Div or Mul by the scale,
Add of a mask, Softmax over the keys, MatMul with V, heads merged back (Transpose, Reshape).

Inputs as onnxruntime's com.microsoft MultiHeadAttention, in part: query [batch, q_len, hidden],
key and value [batch, kv_len, hidden] -- or query alone, packed [batch, q_len, 3 * hidden] (Q, K
and V side by side, one projection MatMul) -- and attention_bias, added to the scores with NumPy
broadcasting (the exporter's additive mask, [batch, 1, 1, kv_len] in BERT). The heads are strided
views of the inputs (no copies); scores are scaled, masked and softmaxed in one buffer, with the
unfused Softmax's formula. Narrow float types compute in float32 and round once at the end.
"""

from __future__ import annotations

import math

import numpy as np

from refrt.intra_op import run_chunks
from refrt.registry import kernel

from ._elementwise_util import NARROW_FLOATS
from ._fused_util import PARALLEL_MIN_ELEMENTS


def _heads(x: np.ndarray, heads: int, perm: tuple[int, ...]) -> np.ndarray:
    b, s, hidden = x.shape
    if hidden % heads:
        raise ValueError(f"MultiHeadAttention: hidden size {hidden} is not a multiple of {heads} heads")
    return x.reshape(b, s, heads, hidden // heads).transpose(perm)


def split_heads(query, key, value, num_heads: int):
    """(Q, K^T, V) per head, strided views of the inputs: Q and V [b, heads, len, head_size], K^T
    [b, heads, head_size, kv_len]; from separate Q, K, V or from a packed QKV (key and value None).
    Only reshapes and transposes: the CUDA provider's kernel splits its device arrays with it too."""
    if query.ndim != 3:
        raise ValueError(f"MultiHeadAttention: query must be 3-D, got shape {query.shape}")
    b, s, width = query.shape
    if key is None and value is None:  # packed Q | K | V along the last axis
        if width % (3 * num_heads):
            raise ValueError(f"MultiHeadAttention: packed width {width} is not 3 x a multiple of {num_heads} heads")
        qkv = query.reshape(b, s, 3, num_heads, width // (3 * num_heads))
        q = qkv[:, :, 0].transpose(0, 2, 1, 3)
        k_t = qkv[:, :, 1].transpose(0, 2, 3, 1)
        v = qkv[:, :, 2].transpose(0, 2, 1, 3)
    elif key is None or value is None:
        raise ValueError("MultiHeadAttention: key and value are given together or not at all")
    else:
        q = _heads(query, num_heads, (0, 2, 1, 3))
        k_t = _heads(key, num_heads, (0, 2, 3, 1))
        v = _heads(value, num_heads, (0, 2, 1, 3))
    return q, k_t, v


@kernel("MultiHeadAttention", domain="refrt", since=1)
@np.errstate(invalid="ignore", over="ignore")  # rows of -inf give NaN, as the unfused Softmax does
def multi_head_attention(query, key=None, value=None, attention_bias=None, *, num_heads=1, scale=None):
    dtype = query.dtype
    if dtype in NARROW_FLOATS:
        query, key, value = (None if t is None else t.astype(np.float32) for t in (query, key, value))
    q, k_t, v = split_heads(query, key, value, num_heads)
    b = query.shape[0]
    if scale is None:
        scale = 1 / math.sqrt(q.shape[-1])
    bias = None if attention_bias is None else attention_bias.astype(q.dtype, copy=False)
    heads, q_len, kv_len, head_size = q.shape[1], q.shape[2], k_t.shape[3], v.shape[3]
    scores_shape = (b, heads, q_len, kv_len)
    if bias is not None and (bias.ndim > 4 or np.broadcast_shapes(scores_shape, bias.shape) != scores_shape):
        return _attend(q, k_t, v, bias, scale).astype(dtype, copy=False)  # the bias widens the scores
    if bias is not None:
        bias = bias.reshape((1,) * (4 - bias.ndim) + bias.shape)
    per_head = bias is not None and bias.shape[1] == heads and heads > 1
    out = np.empty((b, q_len, heads, head_size), q.dtype)

    def attend_heads(h0: int, h1: int) -> None:  # heads h0..h1-1: the work splits along heads
        part = None if bias is None else (bias[:, h0:h1] if per_head else bias)
        out[:, :, h0:h1] = _attend(q[:, h0:h1], k_t[:, h0:h1], v[:, h0:h1], part, scale).transpose(0, 2, 1, 3)

    # a chunk for another thread pays only with about a million scores or more (refrt/intra_op.py)
    run_chunks(attend_heads, heads, -(-PARALLEL_MIN_ELEMENTS // max(1, b * q_len * kv_len)))
    return out.reshape(b, q_len, heads * head_size).astype(dtype, copy=False)


@np.errstate(invalid="ignore", over="ignore")
def _attend(q, k_t, v, bias, scale) -> np.ndarray:
    """softmax(q @ k_t * scale + bias) @ v, the scores in one buffer: [b, heads, q_len, head_size]."""
    scores = np.matmul(q, k_t)  # [b, heads, q_len, kv_len], a buffer of our own from here on
    if scale != 1:
        scores *= scores.dtype.type(scale)
    if bias is not None:
        if np.broadcast_shapes(scores.shape, bias.shape) == scores.shape:
            scores += bias
        else:
            scores = scores + bias
    scores -= scores.max(axis=-1, keepdims=True, initial=-np.inf)
    np.exp(scores, out=scores)
    scores /= scores.sum(axis=-1, keepdims=True)
    return np.matmul(scores, v)
