"""Conv + Mul by a constant per-channel scale -> Conv with scaled weights and bias (ORT_ENABLE_EXTENDED).

onnxruntime's ConvMulFusion: the constant (shape (M,1,1), (1,M,1,1), a scalar ...) scales each
output channel, so it folds into W and B once, at session creation; no fused kernel is needed.
Caffe2 exports (DenseNet) write an affine BatchNormalization as BN, Mul, Add: with fuse_conv_bn
and fuse_conv_add the whole chain becomes the Conv.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from refrt.ir import Graph
from refrt.passes._fusion_util import fold_into_conv
from refrt.passes._rewrite import kernel_available
from refrt.providers import Provider


def fuse_conv_mul(graph: Graph, providers: Sequence[Provider]) -> Graph:
    if not any(n.op_type == "Mul" and not n.domain for n in graph.nodes) or not kernel_available("Conv", "", providers):
        return graph
    return fold_into_conv(graph, "Mul", _fold)


def _fold(w: np.ndarray, b: np.ndarray | None, scale: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    # Conv(x, W, B) * s = Conv(x, W * s, B * s), s per output channel
    s = scale.astype(np.float64)
    # in W's own type when the scale has it: the product of two floats is exact in float64, so
    # rounding it once gives the same numbers as the float64 detour, without the temporaries
    shaped = s.reshape((-1,) + (1,) * (w.ndim - 1))
    w_new = w * scale.reshape(shaped.shape) if scale.dtype == w.dtype else (w.astype(np.float64) * shaped).astype(w.dtype)
    b_new = None if b is None else (b.astype(np.float64) * s).astype(w.dtype)
    return w_new, b_new
