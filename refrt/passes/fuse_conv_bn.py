"""Conv + inference BatchNormalization -> Conv with the normalisation folded into its weights (ORT_ENABLE_EXTENDED).

BatchNormalization in inference mode is a per-channel affine map, so it folds into the Conv's
constant weights and bias once, at session creation (onnxruntime's ConvBNFusion); no fused kernel
is needed. The Conv's output must feed only the BatchNormalization, W/B and the four statistics must
be constants, and the node must declare Y alone with training_mode off and spatial statistics.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from refrt.ir import Graph, Node
from refrt.passes._fusion_util import Folding, copy_with, value_of
from refrt.passes._rewrite import constant, consumers, kernel_available, only_consumer
from refrt.providers import Provider


def fuse_conv_bn(graph: Graph, providers: Sequence[Provider]) -> Graph:
    if not any(n.op_type == "BatchNormalization" and not n.domain for n in graph.nodes):
        return graph
    if not kernel_available("Conv", "", providers, 1):
        return graph
    uses = consumers(graph)
    edits = Folding(graph)
    for conv in graph.nodes:
        if conv.op_type != "Conv" or conv.domain or len(conv.outputs) != 1:
            continue
        bn = only_consumer(graph, uses, conv.outputs[0])
        if bn is None or bn.op_type != "BatchNormalization" or bn.domain or bn.inputs[0] != conv.outputs[0]:
            continue
        folded = _fold(graph, conv, bn)
        if folded is None:
            continue
        w, b = folded
        w_name = edits.constant(f"{conv.inputs[1]}_bn_folded", w)
        b_name = edits.constant(f"{bn.outputs[0]}_bias_bn_folded", b)
        edits.remove += [conv, bn]
        edits.add.append(copy_with(conv, inputs=[conv.inputs[0], w_name, b_name], outputs=list(bn.outputs)))
        edits.replaced += [n for n in (*conv.inputs[1:], *bn.inputs[1:]) if n]
    return edits.result()


def _fold(graph: Graph, conv: Node, bn: Node) -> tuple[np.ndarray, np.ndarray] | None:
    """(W', B') of the Conv that computes BN(Conv(x)), or None when the rule does not apply."""
    if len(bn.outputs) != 1 or len(bn.inputs) != 5 or value_of(graph, bn, "training_mode"):
        return None
    if value_of(graph, bn, "spatial") not in (None, 1):
        return None
    w = constant(graph, conv.inputs[1])
    b = constant(graph, conv.inputs[2]) if len(conv.inputs) > 2 and conv.inputs[2] else None
    if w is None or w.ndim < 3 or w.dtype.kind != "f" or (len(conv.inputs) > 2 and conv.inputs[2] and b is None):
        return None
    params = [constant(graph, n) for n in bn.inputs[1:]]
    m = w.shape[0]
    if any(p is None or p.shape != (m,) for p in params) or (b is not None and b.shape != (m,)):
        return None
    scale, shift, mean, var = (p.astype(np.float64) for p in params)
    # BN(y) = (y - mean) * a + shift with a = scale / sqrt(var + eps): W' = W * a, B' = (B - mean) * a + shift
    a = scale / np.sqrt(var + float(value_of(graph, bn, "epsilon")))
    bias = np.zeros(m) if b is None else b.astype(np.float64)
    # W * a in W's type with a rounded to it, as onnxruntime's ConvBNFusion computes it: one pass over
    # the weights (a float64 product of a ResNet-50's 25M weights cost half its session creation)
    w_folded = w * a.astype(w.dtype).reshape((m,) + (1,) * (w.ndim - 1))
    b_folded = ((bias - mean) * a + shift).astype(w.dtype)
    return w_folded, b_folded
