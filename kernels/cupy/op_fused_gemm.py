"""FusedGemm (refrt domain) on the device: act(alpha * A' @ B' + beta * C); the product by cuBLAS, C
and the activation as one ElementwiseKernel pass on a GPU (float32/float64). Non-float or mixed types
run the NumPy kernel on the host."""

from __future__ import annotations

from refrt.kernels.numpy.op_fused_gemm import fused_gemm as _numpy_fused_gemm
from refrt.registry import kernel

from ._xp import all_floats, on_host
from .op_gemm import gemm


@kernel("FusedGemm", domain="refrt", since=1)
def fused_gemm(a, b, c=None, *, alpha=1.0, beta=1.0, transA=0, transB=0, activation="", activation_params=None):
    if not all_floats(a, b, c):
        return on_host(_numpy_fused_gemm, a, b, c, alpha=alpha, beta=beta, transA=transA, transB=transB,
                       activation=activation, activation_params=activation_params)
    return gemm(a, b, c, alpha, beta, transA, transB, activation, activation_params)
