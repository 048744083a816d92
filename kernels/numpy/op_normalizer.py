"""Normalizer (ai.onnx.ml 1): divide each row by its max, L1 norm or L2 norm; float32 output.

The norm is taken along axis 1 (axis 0 of a 1-D X; onnxruntime (1.32) refuses a rank above 2, and
so does refrt), over the values cast to float32 (any of float, double, int32, int64 in):

- MAX: ``x / max(x)`` (NaNs ignored when finding the max; a negative max flips the signs);
- L1: ``x / sum(|x|)``;
- L2: ``sign(x) * sqrt(x^2 / sum(x^2))`` (the spec's ``x / ||x||_2``, computed onnxruntime's way).

A row whose max or norm is 0 is copied unchanged (cast to float32) instead of divided, as in
onnxruntime (the spec does not say).
"""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

_F = np.float32


@kernel("Normalizer", domain="ai.onnx.ml", since=1)
def normalizer(x, *, norm="MAX"):
    if x.dtype.kind not in "fiu":
        raise ValueError(f"Normalizer: X must be float, double, int32 or int64, got {x.dtype}")
    if x.ndim not in (1, 2):
        raise ValueError(f"Normalizer: X must be [N, C] or [C], got rank {x.ndim}")
    v = x.astype(_F)
    axis = 0 if v.ndim == 1 else 1
    with np.errstate(divide="ignore", invalid="ignore"):
        if norm == "MAX":
            denom = np.where(np.isnan(v), -np.finfo(_F).max, v).max(axis=axis, keepdims=True,
                                                                 initial=-np.finfo(_F).max)
            out = v / denom
        elif norm == "L1":
            denom = np.abs(v).sum(axis=axis, keepdims=True, dtype=_F)
            out = v / denom
        elif norm == "L2":
            square = v * v
            denom = square.sum(axis=axis, keepdims=True, dtype=_F)
            out = np.sqrt(square / denom)
            out = np.where(v < 0, -out, out)
        else:
            raise ValueError(f"Normalizer: norm must be MAX, L1 or L2, got {norm!r}")
    return np.where(denom != 0, out, v).astype(_F, copy=False)
