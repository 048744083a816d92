"""FeatureVectorizer (ai.onnx.ml 1): concatenate the rows of several inputs into one float32 [N, D].

Input k contributes ``inputdimensions[k]`` columns, D = their sum. Each input is read as rows (its
axis 0; a 1-D input is one row) of its remaining elements flattened; as in onnxruntime (1.32) a row
longer than its dimension is cut, a shorter one padded with zeros, and all inputs must have the
same row count N. Inputs may be int32, int64, float or double (all of one type, per the schema).
"""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel


@kernel("FeatureVectorizer", domain="ai.onnx.ml", since=1)
def feature_vectorizer(*inputs, inputdimensions=None):
    dims = [int(d) for d in (inputdimensions or [])]
    if len(dims) != len(inputs):
        raise ValueError(f"FeatureVectorizer: {len(inputs)} inputs but {len(dims)} inputdimensions values")
    if not inputs:
        raise ValueError("FeatureVectorizer: needs at least one input")
    if any(d < 0 for d in dims):
        raise ValueError(f"FeatureVectorizer: inputdimensions must not be negative, got {dims}")

    def rows(a):
        if a.dtype.kind not in "fiu":
            raise ValueError(f"FeatureVectorizer: inputs must be int32, int64, float or double, got {a.dtype}")
        if a.ndim == 0:
            raise ValueError("FeatureVectorizer: inputs must have at least one dimension")
        return a.reshape(1, -1) if a.ndim == 1 else a.reshape(a.shape[0], -1)

    n = rows(inputs[0]).shape[0]
    out = np.zeros((n, sum(dims)), dtype=np.float32)
    start = 0
    for k, (a, width) in enumerate(zip(inputs, dims)):  # a loop over inputs, not rows
        r = rows(a)
        if r.shape[0] != n:
            raise ValueError(f"FeatureVectorizer: all inputs must have the same batch size; input 0 has {n} rows, "
                             f"input {k} {r.shape[0]}")
        used = min(width, r.shape[1])
        out[:, start: start + used] = r[:, :used]
        start += width
    return out
