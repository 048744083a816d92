"""EyeLike: a 2-D tensor shaped like the input with ones on diagonal k, of type ``dtype`` (or the input's)."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel


@kernel("EyeLike", since=9)
def eye_like(x, *, dtype=None, k=0):
    if x.ndim != 2:
        raise ValueError(f"EyeLike needs a 2-D input, got shape {x.shape}")
    if dtype is None:
        out_dtype = x.dtype
    else:
        from onnx import helper

        out_dtype = np.dtype(helper.tensor_dtype_to_np_dtype(int(dtype)))
    return np.eye(x.shape[0], x.shape[1], k=k).astype(out_dtype)
