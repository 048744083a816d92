"""Attention (opset 23+): scaled dot-product attention with masks, KV cache, GQA/MQA, softcap.

Follows onnx's reference step by step, in the query's type: Q and K are each scaled by
sqrt(scale), their product soft-capped, the bias (float mask, or -inf where a boolean mask, the
causal frontier, the sliding window or the padding of nonpad_kv_seqlen forbids) added, softmax
taken (in softmax_precision when given) and rows with no allowed key set to zero, then multiplied
by V. Narrow float types (float16, bfloat16) round after every step, as the reference and the
schema's function body do, so results match theirs; matrix products accumulate in float32.

Grouped heads are never copied: Q is viewed as (batch, kv_heads, group, q_len, head_size) and
broadcast against K and V of shape (batch, kv_heads, 1, kv_len, head_size).
"""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel
from refrt.types import np_dtype

from ._elementwise_util import NARROW_FLOATS


def _matmul(a: np.ndarray, b: np.ndarray, dtype: np.dtype) -> np.ndarray:
    if dtype in NARROW_FLOATS:
        return np.matmul(a.astype(np.float32), b.astype(np.float32)).astype(dtype)
    return np.matmul(a, b)


def _to_4d(x: np.ndarray, heads, name: str) -> np.ndarray:
    """(batch, seq, heads * size) -> (batch, heads, seq, size)."""
    if heads is None or heads < 1:
        raise ValueError(f"Attention: 3-D inputs need the q_num_heads and kv_num_heads attributes ({name})")
    b, s, hidden = x.shape
    if hidden % heads:
        raise ValueError(f"Attention: {name} hidden size {hidden} is not a multiple of {heads} heads")
    return x.reshape(b, s, heads, hidden // heads).transpose(0, 2, 1, 3)


def _softmax(x: np.ndarray) -> np.ndarray:
    """Softmax over the last axis in x's own type; a row of -inf gives zeros, not NaN."""
    m = np.max(x, axis=-1, keepdims=True)
    m[np.isneginf(m)] = 0
    e = np.subtract(x, m)
    np.exp(e, out=e)
    s = np.sum(e, axis=-1, keepdims=True)
    s[s == 0] = 1
    e /= s
    return e


def _attention(q, k, v, attn_mask, past_key, past_value, nonpad_kv_seqlen, *, is_causal, kv_num_heads,
               q_num_heads, qk_matmul_output_mode, scale, softcap, softmax_precision, left_window_size=-1,
               right_window_size=-1, heads_only_3d=False, want=(True, False, False, False)):
    if not q.ndim == k.ndim == v.ndim or q.ndim not in (3, 4):
        raise ValueError(f"Attention: Q, K, V must all be 3-D or all 4-D, got {q.shape}, {k.shape}, {v.shape}")
    if (past_key is None) != (past_value is None):
        raise ValueError("Attention: past_key and past_value must be given together")
    if nonpad_kv_seqlen is not None and past_key is not None:
        raise ValueError("Attention: nonpad_kv_seqlen cannot be combined with past_key / past_value")
    if left_window_size < -1 or right_window_size < -1:
        raise ValueError("Attention: window sizes must be -1 or non-negative")
    if qk_matmul_output_mode not in (0, 1, 2, 3):
        raise ValueError(f"Attention: qk_matmul_output_mode must be 0..3, got {qk_matmul_output_mode}")
    three_d = q.ndim == 3
    if three_d:
        q = _to_4d(q, q_num_heads, "Q")
        k = _to_4d(k, kv_num_heads, "K")
        v = _to_4d(v, kv_num_heads, "V")
    elif heads_only_3d and (q_num_heads is not None or kv_num_heads is not None):
        raise ValueError("Attention: q_num_heads and kv_num_heads must not be given for 4-D inputs")
    t = q.dtype
    batch, hq, sq, dk = q.shape
    if k.shape[0] != batch or v.shape[0] != batch or k.shape[1] != v.shape[1] or k.shape[2] != v.shape[2]:
        raise ValueError(f"Attention: K {k.shape} and V {v.shape} do not fit Q {q.shape}")
    if k.shape[3] != dk:
        raise ValueError(f"Attention: Q and K head sizes differ ({dk} and {k.shape[3]})")
    hkv = k.shape[1]
    if hq % hkv:
        raise ValueError(f"Attention: {hq} query heads cannot be grouped over {hkv} key/value heads")
    if past_key is not None:
        if past_key.shape[:2] != k.shape[:2] or past_value.shape[:2] != v.shape[:2]:
            raise ValueError(f"Attention: past_key {past_key.shape} / past_value {past_value.shape} do not fit K, V")
        k = np.concatenate((past_key, k), axis=2)
        v = np.concatenate((past_value, v), axis=2)
    present_k, present_v = k, v
    sk = k.shape[2]

    # Additive bias: the float mask (0 without one), -inf wherever any rule forbids a key.
    bias_values = None
    forbidden = None
    if attn_mask is not None:
        width = attn_mask.shape[-1]
        if width > sk:
            raise ValueError(f"Attention: attn_mask covers {width} keys, more than the {sk} there are")
        if attn_mask.dtype == np.bool_:
            forbidden = ~attn_mask
        else:
            bias_values = attn_mask.astype(t, copy=False)
        if width < sk:  # a shorter mask is padded with "forbidden"
            pad = np.ones(attn_mask.shape[:-1] + (sk - width,), bool)
            if forbidden is None:
                forbidden = np.concatenate((np.zeros(attn_mask.shape, bool), pad), axis=-1)
                bias_values = np.concatenate((bias_values, np.zeros(pad.shape, t)), axis=-1)
            else:
                forbidden = np.concatenate((forbidden, pad), axis=-1)
    if nonpad_kv_seqlen is not None:
        lengths = np.asarray(nonpad_kv_seqlen).reshape(-1).astype(np.int64)
        if lengths.shape[0] != batch:
            raise ValueError(f"Attention: nonpad_kv_seqlen has {lengths.shape[0]} entries for batch {batch}")
        offset = (lengths - sq).reshape(batch, 1, 1, 1)
    else:
        offset = past_key.shape[2] if past_key is not None else 0
    i = np.arange(sq).reshape(sq, 1)
    j = np.arange(sk).reshape(1, sk)
    rules = []
    if is_causal:
        rules.append(j > i + offset)
    if left_window_size >= 0:
        rules.append(i + offset - j > left_window_size)
    if right_window_size >= 0:
        rules.append(j - (i + offset) > right_window_size)
    if nonpad_kv_seqlen is not None:
        rules.append(j >= lengths.reshape(batch, 1, 1, 1))
    for rule in rules:
        forbidden = rule if forbidden is None else forbidden | rule
    if bias_values is None:
        bias = None if forbidden is None else np.where(forbidden, t.type(-np.inf), t.type(0))
    else:
        bias = bias_values if forbidden is None else np.where(forbidden, t.type(-np.inf), bias_values)
    if bias is not None:
        if bias.ndim > 4:
            raise ValueError(f"Attention: attn_mask of rank {attn_mask.ndim} does not broadcast to 4-D")
        bias = bias.reshape((1,) * (4 - bias.ndim) + bias.shape)
        try:
            np.broadcast_shapes(bias.shape, (batch, hq, sq, sk))
        except ValueError:
            raise ValueError(
                f"Attention: mask of shape {bias.shape} does not broadcast to {(batch, hq, sq, sk)}"
            ) from None
        # (b, h, sq, sk) -> (b, kv_heads, group, sq, sk), the layout of grouped scores.
        if bias.shape[1] == 1:
            bias = bias[:, :, None]
        else:
            bias = bias.reshape(bias.shape[0], hkv, hq // hkv, *bias.shape[2:])

    if scale is None:
        scale = 1 / np.sqrt(dk)
    root = t.type(np.sqrt(scale))
    group = hq // hkv
    qg = (q * root).reshape(batch, hkv, group, sq, dk)
    kt = np.swapaxes(k * root, -1, -2)[:, :, None]  # (b, kv_heads, 1, dk, sk)
    qk = _matmul(qg, kt, t)  # (b, kv_heads, group, sq, sk)
    # Mode 0 is the raw product, as the spec and onnxruntime say (onnx's reference returns it
    # soft-capped: it overwrites the same variable).
    qk_out = qk if qk_matmul_output_mode == 0 else None
    if softcap > 0:
        cap = t.type(softcap)
        qk = np.tanh(qk / cap) * cap
    if qk_matmul_output_mode == 1:
        qk_out = qk
    scores = qk if bias is None else qk + bias
    if qk_matmul_output_mode == 2:
        qk_out = scores
    if softmax_precision is not None:
        scores = scores.astype(np_dtype(int(softmax_precision)))
    probs = _softmax(scores)
    if bias is not None:
        # A row whose every key is forbidden attends nothing: zeros, not a uniform or NaN row.
        empty = np.isneginf(np.max(bias, axis=-1, keepdims=True))
        if empty.any():
            probs = np.where(empty, probs.dtype.type(0), probs)
    if qk_matmul_output_mode == 3:
        qk_out = probs
    probs = probs.astype(t, copy=False)
    y = None
    if want[0]:
        y = _matmul(probs, v[:, :, None], t).reshape(batch, hq, sq, v.shape[3])  # (b, h, sq, dv)
        if three_d:
            y = y.transpose(0, 2, 1, 3).reshape(batch, sq, hq * v.shape[3])
    if len(want) > 3 and want[3]:
        qk_out = np.ascontiguousarray(np.broadcast_to(qk_out, (batch, hkv, group, sq, sk))).reshape(batch, hq, sq, sk)
        qk_out = qk_out.astype(t, copy=False)
    else:
        qk_out = None
    outputs = (y, present_k if len(want) > 1 and want[1] else None, present_v if len(want) > 2 and want[2] else None,
               qk_out)
    return outputs[0] if len(want) == 1 else outputs[: len(want)]


@kernel("Attention", since=23, until=23)
def attention_23(q, k, v, attn_mask=None, past_key=None, past_value=None, *, is_causal=0, kv_num_heads=None,
                 q_num_heads=None, qk_matmul_output_mode=0, scale=None, softcap=0.0, softmax_precision=None,
                 _output_used):
    return _attention(q, k, v, attn_mask, past_key, past_value, None, is_causal=is_causal,
                      kv_num_heads=kv_num_heads, q_num_heads=q_num_heads,
                      qk_matmul_output_mode=qk_matmul_output_mode, scale=scale, softcap=softcap,
                      softmax_precision=softmax_precision, want=_output_used)


@kernel("Attention", since=24, until=24)
def attention_24(q, k, v, attn_mask=None, past_key=None, past_value=None, nonpad_kv_seqlen=None, *, is_causal=0,
                 kv_num_heads=None, q_num_heads=None, qk_matmul_output_mode=0, scale=None, softcap=0.0,
                 softmax_precision=None, _output_used):
    return _attention(q, k, v, attn_mask, past_key, past_value, nonpad_kv_seqlen, is_causal=is_causal,
                      kv_num_heads=kv_num_heads, q_num_heads=q_num_heads,
                      qk_matmul_output_mode=qk_matmul_output_mode, scale=scale, softcap=softcap,
                      softmax_precision=softmax_precision, want=_output_used)


@kernel("Attention", since=25)
def attention_25(q, k, v, attn_mask=None, past_key=None, past_value=None, nonpad_kv_seqlen=None, *, is_causal=0,
                 kv_num_heads=None, left_window_size=-1, q_num_heads=None, qk_matmul_output_mode=0,
                 right_window_size=-1, scale=None, softcap=0.0, softmax_precision=None, _output_used):
    return _attention(q, k, v, attn_mask, past_key, past_value, nonpad_kv_seqlen, is_causal=is_causal,
                      kv_num_heads=kv_num_heads, q_num_heads=q_num_heads,
                      qk_matmul_output_mode=qk_matmul_output_mode, scale=scale, softcap=softcap,
                      softmax_precision=softmax_precision, left_window_size=left_window_size,
                      right_window_size=right_window_size, heads_only_3d=True, want=_output_used)
