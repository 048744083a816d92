"""FlexAttention (ai.onnx.preview): attention whose scores and probabilities may each pass through
a user subgraph (score_mod, prob_mod) before and after the softmax.

Scores are computed in the input's type (Q and K each scaled by sqrt(scale)), then modified and
softmaxed in softmax_precision (float32 for float16/bfloat16 and float, double for double), as
onnx's reference does. Grouped heads are broadcast, never copied.
"""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel
from refrt.types import np_dtype


def _mod(graph, value: np.ndarray, dtype: np.dtype, name: str) -> np.ndarray:
    outputs = graph(value)
    if len(outputs) != 1:
        raise ValueError(f"FlexAttention: {name} must produce exactly one output, got {len(outputs)}")
    out = np.asarray(outputs[0], dtype=dtype)
    if out.shape != value.shape:
        raise ValueError(f"FlexAttention: {name} changed the shape {value.shape} to {out.shape}")
    return out


@kernel("FlexAttention", domain="ai.onnx.preview", since=1)
def flex_attention(q, k, v, *, prob_mod=None, scale=None, score_mod=None, softmax_precision=None):
    if q.ndim != 4 or k.ndim != 4 or v.ndim != 4:
        raise ValueError(f"FlexAttention needs rank-4 Q, K, V, got {q.shape}, {k.shape}, {v.shape}")
    b, hq, sq, e = q.shape
    hkv, sk = k.shape[1], k.shape[2]
    if k.shape[3] != e or v.shape[1] != hkv or v.shape[2] != sk or k.shape[0] != b or v.shape[0] != b:
        raise ValueError(f"FlexAttention: K {k.shape} and V {v.shape} do not fit Q {q.shape}")
    if hq % hkv:
        raise ValueError(f"FlexAttention: {hq} query heads cannot be grouped over {hkv} key/value heads")
    if softmax_precision is not None:
        work = np_dtype(int(softmax_precision))
        if work.kind != "f" and work.name != "bfloat16":
            raise ValueError(f"FlexAttention: softmax_precision {softmax_precision} is not a float type")
    else:
        work = np.dtype(np.float64) if q.dtype == np.float64 else np.dtype(np.float32)
    if scale is None:
        scale = 1.0 / np.sqrt(e)
    root = q.dtype.type(np.sqrt(np.float32(scale)))
    group = hq // hkv
    qg = (q * root).reshape(b, hkv, group, sq, e)
    kt = np.swapaxes(k * root, -1, -2)[:, :, None]
    if q.dtype.itemsize < 4 or q.dtype.kind != "f":
        scores = np.matmul(qg.astype(np.float32), kt.astype(np.float32)).astype(q.dtype)
    else:
        scores = np.matmul(qg, kt)
    scores = scores.astype(work).reshape(b, hq, sq, sk)
    if score_mod is not None:
        scores = _mod(score_mod, scores, work, "score_mod")
    e_ = np.exp(scores - np.max(scores, axis=-1, keepdims=True))
    probs = e_ / np.sum(e_, axis=-1, keepdims=True)
    if prob_mod is not None:
        probs = _mod(prob_mod, probs, work, "prob_mod")
    y = np.matmul(probs.reshape(b, hkv, group, sq, sk), v.astype(work)[:, :, None])
    return y.reshape(b, hq, sq, v.shape[3]).astype(v.dtype)
