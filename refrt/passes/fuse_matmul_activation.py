"""MatMul + activation -> FusedMatMul with ``activation`` and ``activation_params`` (ORT_ENABLE_EXTENDED).

Relu, Clip (constant bounds), Sigmoid, LeakyRelu, HardSigmoid or Tanh is applied in place on the
product's fresh output. Also takes a FusedMatMul that has no activation yet (a transposed operand
or a bias folded in by fuse_transpose_into_matmul / fuse_matmul_add, which run before).
"""

from __future__ import annotations

from typing import Sequence

from refrt.ir import Graph, Node
from refrt.passes._fusion_util import activation_of, drop_unread, fused_node
from refrt.passes._rewrite import REFRT_DOMAIN, consumers, kernel_available, only_consumer, rewrite
from refrt.providers import Provider


def fuse_matmul_activation(graph: Graph, providers: Sequence[Provider]) -> Graph:
    if not any(n.op_type in ("MatMul", "FusedMatMul") for n in graph.nodes):
        return graph
    if not kernel_available("FusedMatMul", REFRT_DOMAIN, providers):
        return graph
    uses = consumers(graph)
    remove: list[Node] = []
    add: list[Node] = []
    for mm in graph.nodes:
        fusable = (mm.op_type == "MatMul" and not mm.domain) or (
            mm.op_type == "FusedMatMul" and mm.domain == REFRT_DOMAIN and "activation" not in mm.attributes)
        if not fusable or len(mm.outputs) != 1:
            continue
        act = only_consumer(graph, uses, mm.outputs[0])
        found = activation_of(graph, act) if act is not None and act.inputs[0] == mm.outputs[0] else None
        if found is None:
            continue
        # FusedMatMul(A, B, bias; activation) = activation(A' @ B' + bias)
        remove += [mm, act]
        add.append(fused_node("FusedMatMul", mm, list(mm.inputs), list(act.outputs),
                              activation=found[0], activation_params=found[1]))
    if not add:
        return graph
    return drop_unread(rewrite(graph, remove=remove, add=add), [n for a in remove for n in a.inputs[1:]])
