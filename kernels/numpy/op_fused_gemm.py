"""FusedGemm (refrt domain): act(alpha * A' @ B' + beta * C), the pattern Gemm + activation.

Replaces Gemm followed by one of Relu, Clip, Sigmoid, LeakyRelu, HardSigmoid, Tanh (onnxruntime's
contrib FusedGemm); the activation is applied in place on the Gemm's fresh output.
"""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._activation_util import activate
from ._tensor_util import compute_dtype
from .op_gemm import _gemm


@kernel("FusedGemm", domain="refrt", since=1)
def fused_gemm(a, b, c=None, *, alpha=1.0, beta=1.0, transA=0, transB=0, activation="", activation_params=None):
    if c is None or beta == 0.0 or a.dtype != compute_dtype(a.dtype):
        y = _gemm(a, b, c, alpha, beta, transA, transB)  # narrow types add C before rounding: as Gemm does
    else:
        y = _gemm(a, b, None, alpha, 0.0, transA, transB)
        if beta != 1.0:
            c = c * (y.dtype.type(beta) if y.dtype.kind == "f" else beta)
        try:
            y += c  # Gemm's y + beta * C, in place; C broadcasts to (M, N) only (unidirectional)
        except ValueError:
            raise ValueError(f"Gemm: C of shape {c.shape} does not broadcast to {y.shape}") from None
    return activate(y, activation, activation_params)
