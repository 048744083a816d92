"""Scaler (ai.onnx.ml 1): Y = (X - offset) * scale, as float32.

``offset`` and ``scale`` hold one value each, or one per feature. As in onnxruntime (1.32) the
features are counted along axis 1 (axis 0 of a 1-D X) but matched to the flat index modulo that
count, which is axis 1 only for a 2-D X (for 3-D X onnxruntime pairs element i of the flattened
tensor with offset[i % X.shape[1]]; refrt does the same). Both lists must have the same length,
and ``scale`` must not be empty (onnxruntime's rule; the spec leaves both optional).

The arithmetic follows onnxruntime's types: a double X is computed in double then cast to float32;
int32, int64 and float X are computed in float32.
"""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel


@kernel("Scaler", domain="ai.onnx.ml", since=1, prepare=True)
def scaler(*, offset=None, scale=None):
    scale = np.asarray(scale or [], dtype=np.float32)
    offset = np.asarray(offset or [], dtype=np.float32)
    if scale.size == 0:
        raise ValueError("Scaler: the scale attribute must not be empty")
    if scale.size != offset.size:
        raise ValueError(f"Scaler: scale has {scale.size} values but offset {offset.size}")

    def run(x):
        if x.dtype.kind not in "fiu":
            raise ValueError(f"Scaler: X must be float, double, int32 or int64, got {x.dtype}")
        if x.ndim == 0:
            raise ValueError("Scaler: X must have at least one dimension")
        stride = x.shape[0] if x.ndim == 1 else x.shape[1]
        work = np.float64 if x.dtype == np.float64 else np.float32
        v = x.reshape(-1).astype(work)
        if scale.size == stride:
            pos = np.arange(v.size) % stride if stride else np.zeros(0, dtype=np.int64)
            y = (v - offset.astype(work)[pos]) * scale.astype(work)[pos]
        elif scale.size == 1:
            y = (v - work(offset[0])) * work(scale[0])
        else:
            raise ValueError(f"Scaler: scale and offset must hold 1 or {stride} (the feature count) values, "
                             f"got {scale.size}")
        return y.astype(np.float32).reshape(x.shape)

    return run
