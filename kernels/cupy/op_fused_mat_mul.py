"""FusedMatMul (refrt domain) on the device: act(A' @ B' + bias); the product by cuBLAS (transposed
operands passed as strided views), bias and activation as one ElementwiseKernel pass on a GPU.
Non-float or mixed types run the NumPy kernel on the host."""

from __future__ import annotations

import numpy as np

from refrt.kernels.numpy.op_fused_mat_mul import fused_mat_mul as _numpy_fused_mat_mul
from refrt.registry import kernel

from ._cuda import epilogue
from ._xp import all_floats, array_namespace, compute_dtype, on_host
from .op_mat_mul import matmul


def _swap_last(x, what: str):
    if x.ndim < 2:
        raise ValueError(f"FusedMatMul: {what} needs rank >= 2 to transpose, got shape {x.shape}")
    return x.swapaxes(-1, -2)


@kernel("FusedMatMul", domain="refrt", since=1)
def fused_mat_mul(a, b, bias=None, *, transA=0, transB=0, activation="", activation_params=None):
    if not all_floats(a, b, bias):
        return on_host(_numpy_fused_mat_mul, a, b, bias, transA=transA, transB=transB, activation=activation,
                       activation_params=activation_params)
    xp = array_namespace(a, b)
    y = matmul(_swap_last(a, "A") if transA else a, _swap_last(b, "B") if transB else b)
    work = compute_dtype(y.dtype)
    out = y.dtype
    y = y.astype(work, copy=False)
    if bias is not None and np.broadcast_shapes(bias.shape, y.shape) != y.shape:
        y = y + bias.astype(work, copy=False)  # the bias widens the product: as Add does
        bias = None
    y = epilogue(xp, y, None if bias is None else bias.astype(work, copy=False), None, activation,
                 activation_params)
    return y.astype(out, copy=False)
