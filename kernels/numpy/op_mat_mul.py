"""MatMul: numpy.matmul semantics (1-D operands are promoted, then the added axis removed)."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._tensor_util import compute_dtype


@kernel("MatMul", since=1)
def mat_mul(a, b):
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"MatMul needs operands of rank >= 1, got shapes {a.shape} and {b.shape}")
    k_a = a.shape[-1]
    k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if k_a != k_b:
        raise ValueError(f"MatMul: inner dimensions differ, shapes {a.shape} and {b.shape}")
    # float16/bfloat16 accumulate in float32, as onnxruntime does, then round once.
    work = compute_dtype(a.dtype)
    return np.matmul(a.astype(work, copy=False), b.astype(work, copy=False)).astype(a.dtype, copy=False)
