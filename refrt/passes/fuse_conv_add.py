"""Conv + Add of a constant per-channel bias -> the Conv's bias (ORT_ENABLE_EXTENDED).

onnxruntime's ConvAddFusion: the added constant (shape (M,1,1), (1,M,1,1), a scalar ...) only
shifts each output channel, so it joins B once, at session creation; no fused kernel is needed.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from refrt.ir import Graph
from refrt.passes._fusion_util import fold_into_conv
from refrt.passes._rewrite import kernel_available
from refrt.providers import Provider


def fuse_conv_add(graph: Graph, providers: Sequence[Provider]) -> Graph:
    if not any(n.op_type == "Add" and not n.domain for n in graph.nodes) or not kernel_available("Conv", "", providers):
        return graph
    return fold_into_conv(graph, "Add", _fold)


def _fold(w: np.ndarray, b: np.ndarray | None, shift: np.ndarray) -> tuple[None, np.ndarray]:
    # Conv(x, W, B) + s = Conv(x, W, B + s): W unchanged
    return None, (shift.astype(w.dtype) if b is None else (b.astype(np.float64) + shift).astype(w.dtype))
