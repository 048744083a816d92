"""MultiHeadAttention (refrt domain) on the device: softmax(Q K^T * scale + bias) V per head, the two
products batched over (batch, heads) by cuBLAS through xp.matmul, the softmax with xp reductions.
Inputs as the NumPy kernel reads them (separate Q, K, V or packed QKV; additive attention_bias
broadcast over the scores). float16 computes in float32; non-float types run the NumPy kernel on the
host."""

from __future__ import annotations

import math

from refrt.kernels.numpy.op_multi_head_attention import multi_head_attention as _numpy_mha
from refrt.kernels.numpy.op_multi_head_attention import split_heads
from refrt.registry import kernel

from ._norm import softmax_rows
from ._xp import all_floats, array_namespace, compute_dtype, on_host


@kernel("MultiHeadAttention", domain="refrt", since=1)
def multi_head_attention(query, key=None, value=None, attention_bias=None, *, num_heads=1, scale=None):
    if not all_floats(query, key, value):
        return on_host(_numpy_mha, query, key, value, attention_bias, num_heads=num_heads, scale=scale)
    xp = array_namespace(query)
    dtype = query.dtype
    work = compute_dtype(dtype)
    query, key, value = (None if t is None else t.astype(work, copy=False) for t in (query, key, value))
    q, k_t, v = split_heads(query, key, value, num_heads)
    if scale is None:
        scale = 1 / math.sqrt(q.shape[-1])
    scores = xp.matmul(q, k_t)
    if scale != 1:
        scores = scores * work.type(scale)
    if attention_bias is not None:
        scores = scores + attention_bias.astype(work, copy=False)
    shape = scores.shape
    probs = softmax_rows(xp, scores.reshape(-1, shape[-1]), False).reshape(shape)
    out = xp.matmul(probs, v)  # [b, heads, q_len, head_size]
    b2, heads, q_len, head_size = out.shape
    return out.transpose(0, 2, 1, 3).reshape(b2, q_len, heads * head_size).astype(dtype, copy=False)
