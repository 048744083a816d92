"""Binarizer (ai.onnx.ml): 1 where x > threshold, else 0, in x's type.

A NaN input is an error, as in onnxruntime (NaN is neither above nor below a threshold)."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel


@kernel("Binarizer", domain="ai.onnx.ml", since=1)
def binarizer(x, *, threshold=0.0):
    if x.dtype.kind == "f":
        nan = np.flatnonzero(np.isnan(x))
        if nan.size:
            raise ValueError(f"Binarizer: input holds NaN (first at flat index {nan[0]})")
    return (x > threshold).astype(x.dtype)
