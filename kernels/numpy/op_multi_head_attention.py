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

from refrt.registry import kernel

from ._elementwise_util import NARROW_FLOATS


def _heads(x: np.ndarray, heads: int, perm: tuple[int, ...]) -> np.ndarray:
    b, s, hidden = x.shape
    if hidden % heads:
        raise ValueError(f"MultiHeadAttention: hidden size {hidden} is not a multiple of {heads} heads")
    return x.reshape(b, s, heads, hidden // heads).transpose(perm)


@kernel("MultiHeadAttention", domain="refrt", since=1)
@np.errstate(invalid="ignore", over="ignore")  # rows of -inf give NaN, as the unfused Softmax does
def multi_head_attention(query, key=None, value=None, attention_bias=None, *, num_heads=1, scale=None):
    dtype = query.dtype
    if dtype in NARROW_FLOATS:
        query, key, value = (None if t is None else t.astype(np.float32) for t in (query, key, value))
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
    scores = np.matmul(q, k_t)  # [b, heads, q_len, kv_len], a buffer of our own from here on
    if scale is None:
        scale = 1 / math.sqrt(q.shape[-1])
    if scale != 1:
        scores *= scores.dtype.type(scale)
    if attention_bias is not None:
        bias = attention_bias.astype(scores.dtype, copy=False)
        if np.broadcast_shapes(scores.shape, bias.shape) == scores.shape:
            scores += bias
        else:
            scores = scores + bias
    scores -= scores.max(axis=-1, keepdims=True, initial=-np.inf)
    np.exp(scores, out=scores)
    scores /= scores.sum(axis=-1, keepdims=True)
    context = np.matmul(scores, v)  # [b, heads, q_len, head_size]
    out = context.transpose(0, 2, 1, 3).reshape(context.shape[0], context.shape[2], -1)
    return out.astype(dtype, copy=False)
