"""Gemm + activation -> FusedGemm with ``activation`` and ``activation_params`` (ORT_ENABLE_EXTENDED).

onnxruntime's GemmActivationFusion: Relu, Clip (constant bounds), Sigmoid, LeakyRelu, HardSigmoid or
Tanh is applied in place on the Gemm's fresh output. Runs after fuse_matmul_add, so MatMul, Add,
Relu (nn.Linear + ReLU on 2-D input) ends as one FusedGemm. A Gemm whose revision has the old
``broadcast`` attribute is fused only with broadcast=1 (FusedGemm always broadcasts C).
"""

from __future__ import annotations

from typing import Sequence

from refrt.ir import Graph, Node
from refrt.passes._fusion_util import activation_of, drop_unread, fused_node, has_attribute, value_of
from refrt.passes._rewrite import REFRT_DOMAIN, consumers, kernel_available, only_consumer, rewrite
from refrt.providers import Provider


def fuse_gemm_activation(graph: Graph, providers: Sequence[Provider]) -> Graph:
    if not any(n.op_type == "Gemm" and not n.domain for n in graph.nodes):
        return graph
    if not kernel_available("FusedGemm", REFRT_DOMAIN, providers):
        return graph
    uses = consumers(graph)
    remove: list[Node] = []
    add: list[Node] = []
    for gemm in graph.nodes:
        if gemm.op_type != "Gemm" or gemm.domain or len(gemm.outputs) != 1:
            continue
        if has_attribute(graph, gemm, "broadcast") and not value_of(graph, gemm, "broadcast"):
            continue
        act = only_consumer(graph, uses, gemm.outputs[0])
        found = activation_of(graph, act) if act is not None and act.inputs[0] == gemm.outputs[0] else None
        if found is None:
            continue
        # FusedGemm(A, B, C; activation) = activation(Gemm(A, B, C))
        fused = fused_node("FusedGemm", gemm, list(gemm.inputs), list(act.outputs),
                           activation=found[0], activation_params=found[1])
        fused.attributes.pop("broadcast", None)
        remove += [gemm, act]
        add.append(fused)
    if not add:
        return graph
    return drop_unread(rewrite(graph, remove=remove, add=add), [n for a in remove for n in a.inputs[1:]])
