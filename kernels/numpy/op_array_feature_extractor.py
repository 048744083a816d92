"""ArrayFeatureExtractor (ai.onnx.ml): pick elements of the last axis of X by the indices in Y.

The output has shape X.shape[:-1] + [Y.size] (a 1-D X gives [1, Y.size]), as in onnxruntime;
indices must lie in [0, X.shape[-1]) and there must be at least one."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel


@kernel("ArrayFeatureExtractor", domain="ai.onnx.ml", since=1)
def array_feature_extractor(x, y):
    if x.ndim == 0:
        raise ValueError("ArrayFeatureExtractor: X must have at least one dimension")
    indices = np.asarray(y).reshape(-1).astype(np.int64, copy=False)
    last = x.shape[-1]
    if indices.size == 0:
        raise ValueError("ArrayFeatureExtractor: Y holds no index")
    bad = np.flatnonzero((indices < 0) | (indices >= last))
    if bad.size:
        raise ValueError(f"ArrayFeatureExtractor: index Y[{bad[0]}] = {indices[bad[0]]} is outside [0, {last})")
    out = np.take(x, indices, axis=-1)
    return out.reshape(1, -1) if x.ndim == 1 else out
