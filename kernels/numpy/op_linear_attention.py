"""LinearAttention (opset 27): a recurrent state S (d_k x d_v per key/value head) updated once per
token, read by every query head of its group.

    linear:       S = S + k v^T
    gated:        S = exp(g) S + k v^T
    delta:        S = S + k (beta (v - S^T k))^T
    gated_delta:  S = exp(g) S, then as delta
    output:       scale * q^T S

A loop over tokens (inherently sequential), each step one batched update over batch and heads, in
float32 (float64 for double) as onnx's reference computes; chunk_size is only a tuning hint.
"""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

RULES = ("linear", "gated", "delta", "gated_delta")


def _heads(x: np.ndarray, heads: int, name: str) -> np.ndarray:
    """(B, T, H*D) -> (B, H, T, D)."""
    if x.ndim != 3:
        raise ValueError(f"LinearAttention: {name} must be (batch, time, heads*dim), got shape {x.shape}")
    b, t, hd = x.shape
    if hd % heads:
        raise ValueError(f"LinearAttention: {name} last axis {hd} is not a multiple of {heads} heads")
    return x.reshape(b, t, heads, hd // heads).transpose(0, 2, 1, 3)


@kernel("LinearAttention", since=27)
def linear_attention(query, key, value, past_state=None, decay=None, beta=None, *, chunk_size=64,
                     kv_num_heads=None, q_num_heads=None, scale=0.0, update_rule="gated_delta"):
    if update_rule not in RULES:
        raise ValueError(f"LinearAttention: update_rule must be one of {RULES}, got {update_rule!r}")
    if not q_num_heads or not kv_num_heads or q_num_heads < 1 or kv_num_heads < 1 or q_num_heads % kv_num_heads:
        raise ValueError(
            f"LinearAttention: q_num_heads ({q_num_heads}) must be a positive multiple of kv_num_heads ({kv_num_heads})"
        )
    gating = update_rule in ("gated", "gated_delta")
    delta = update_rule in ("delta", "gated_delta")
    if gating != (decay is not None):
        raise ValueError(f"LinearAttention: update_rule {update_rule!r} {'needs' if gating else 'forbids'} decay")
    if delta != (beta is not None):
        raise ValueError(f"LinearAttention: update_rule {update_rule!r} {'needs' if delta else 'forbids'} beta")
    work = np.dtype(np.float64) if query.dtype == np.float64 else np.dtype(np.float32)
    q = _heads(query, q_num_heads, "query").astype(work)
    k = _heads(key, kv_num_heads, "key").astype(work)
    v = _heads(value, kv_num_heads, "value").astype(work)
    b, hq, t, dk = q.shape
    hkv, dv = k.shape[1], v.shape[3]
    if k.shape[:3] != (b, hkv, t) or v.shape[:3] != (b, hkv, t) or k.shape[3] != dk:
        raise ValueError(f"LinearAttention: query {query.shape}, key {key.shape}, value {value.shape} do not fit")
    group = hq // hkv
    if gating:
        if decay.ndim != 3 or decay.shape[:2] != (b, t) or decay.shape[2] not in (hkv, hkv * dk):
            raise ValueError(f"LinearAttention: decay must be ({b}, {t}, {hkv} or {hkv * dk}), got {decay.shape}")
        g = decay.reshape(b, t, hkv, -1).transpose(0, 2, 1, 3).astype(work)  # (B, Hkv, T, 1 or dk)
        g = np.exp(g)[..., None]  # broadcast over d_v
    if delta:
        if beta.ndim != 3 or beta.shape[:2] != (b, t) or beta.shape[2] not in (hkv, 1):
            raise ValueError(f"LinearAttention: beta must be ({b}, {t}, {hkv} or 1), got {beta.shape}")
        bt = beta.reshape(b, t, beta.shape[2], 1).transpose(0, 2, 1, 3).astype(work)  # (B, Hkv|1, T, 1)
    if past_state is not None:
        if past_state.shape != (b, hkv, dk, dv):
            raise ValueError(f"LinearAttention: past_state must be {(b, hkv, dk, dv)}, got {past_state.shape}")
        state_dtype = past_state.dtype
        state = past_state.astype(work)
    else:
        state_dtype = query.dtype
        state = np.zeros((b, hkv, dk, dv), work)
    scale = work.type(1.0 / np.sqrt(dk) if not scale else scale)
    out = np.empty((b, hkv, group, t, dv), work)
    qg = q.reshape(b, hkv, group, t, dk)
    for i in range(t):
        k_t, v_t = k[:, :, i], v[:, :, i]  # (B, Hkv, dk), (B, Hkv, dv)
        if gating:
            state = state * g[:, :, i]
        if delta:
            retrieved = np.einsum("bhdm,bhd->bhm", state, k_t)
            v_t = bt[:, :, i] * (v_t - retrieved)
        state = state + k_t[..., :, None] * v_t[..., None, :]
        out[:, :, :, i] = scale * np.einsum("bhgd,bhdm->bhgm", qg[:, :, :, i], state)
    output = out.reshape(b, hq, t, dv).transpose(0, 2, 1, 3).reshape(b, t, hq * dv)
    return output.astype(query.dtype), state.astype(state_dtype)
