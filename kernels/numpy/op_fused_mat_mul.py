"""FusedMatMul (refrt domain): act(A' @ B' + bias), A' / B' with their last two axes swapped on request.

Replaces MatMul fed by a Transpose of the last two axes (transA/transB: the transposed operand is
read as it lies, no Transpose node), followed by an Add of a constant bias along the last axis
(where Gemm does not apply: N-D activations), and/or by one of Relu, Clip, Sigmoid, LeakyRelu,
HardSigmoid, Tanh. The bias and the activation are applied in place on the product's fresh output.
"""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._activation_util import activate
from ._elementwise_util import scratch
from .op_mat_mul import mat_mul


def _swap_last(x: np.ndarray, what: str) -> np.ndarray:
    if x.ndim < 2:
        raise ValueError(f"FusedMatMul: {what} needs rank >= 2 to transpose, got shape {x.shape}")
    return np.swapaxes(x, -1, -2)


@kernel("FusedMatMul", domain="refrt", since=1)
def fused_mat_mul(a, b, bias=None, *, transA=0, transB=0, activation="", activation_params=None):
    y = scratch(mat_mul(_swap_last(a, "A") if transA else a, _swap_last(b, "B") if transB else b))
    if bias is not None:
        try:
            y += bias  # the Add, on the fresh product
        except ValueError:  # the bias broadcasts the product to a larger shape: as Add does
            y = np.add(y, bias)
    return activate(y, activation, activation_params)
