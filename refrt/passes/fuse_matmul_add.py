"""MatMul + Add of a constant bias -> Gemm (2-D operands) or FusedMatMul with a bias (ORT_ENABLE_EXTENDED).

onnxruntime's MatMulAddFusion: ``nn.Linear`` exported as MatMul then Add becomes one node, the bias
added in place on the fresh product. With both operands known to be 2-D it is the standard Gemm
(the saved model stays runnable anywhere); otherwise (N-D activations, unknown ranks) a refrt
FusedMatMul. The bias must lie along the last axis (shape (N,) or (1, ..., 1, N)) and not raise the
output's rank, so that the Add never broadcasts the product to a larger shape.
"""

from __future__ import annotations

from typing import Sequence

from refrt.ir import Graph, Node
from refrt.passes._fusion_util import fused_node, last_dim_of, rank_of
from refrt.passes._rewrite import REFRT_DOMAIN, constant, consumers, kernel_available, new_node, only_consumer, rewrite
from refrt.providers import Provider


def fuse_matmul_add(graph: Graph, providers: Sequence[Provider]) -> Graph:
    if not any(n.op_type == "MatMul" and not n.domain for n in graph.nodes):
        return graph
    gemm = _gemm_schema(graph)
    # Gemm with unidirectional broadcasting of C (opset 7 on; before it, C broadcasts only on request)
    gemm_ok = gemm is not None and "broadcast" not in gemm.attributes and kernel_available(
        "Gemm", "", providers, gemm.since_version)
    fused_ok = kernel_available("FusedMatMul", REFRT_DOMAIN, providers)
    uses = consumers(graph)
    remove: list[Node] = []
    add: list[Node] = []
    for mm in graph.nodes:
        if mm.op_type != "MatMul" or mm.domain or len(mm.outputs) != 1:
            continue
        node = only_consumer(graph, uses, mm.outputs[0])
        if node is None or node.op_type != "Add" or node.domain or len(node.inputs) != 2:
            continue
        if "broadcast" in node.attributes:  # before opset 7: its own broadcasting rules
            continue
        bias_name = node.inputs[1] if node.inputs[0] == mm.outputs[0] else node.inputs[0]
        bias = constant(graph, bias_name)
        n = last_dim_of(graph, mm.inputs[1])
        rank_a, rank_b = rank_of(graph, mm.inputs[0]), rank_of(graph, mm.inputs[1])
        if bias is None or n is None or rank_b is None or rank_b < 2 or bias.ndim == 0 or bias.shape[-1] != n:
            continue
        if any(d != 1 for d in bias.shape[:-1]):
            continue  # a bias along other axes than the last: leave the Add
        out_rank = None if rank_a is None else max(rank_a, rank_b)
        if bias.ndim > (out_rank or 1):
            continue  # it could raise the product's rank
        if rank_a == 2 and rank_b == 2 and gemm_ok:
            # Gemm(A, B, C) = A @ B + C for 2-D A, B and C broadcasting to (M, N)
            add.append(new_node("Gemm", [mm.inputs[0], mm.inputs[1], bias_name], list(node.outputs), name=mm.name))
        elif fused_ok:
            # FusedMatMul(A, B, bias) = A @ B + bias
            add.append(fused_node("FusedMatMul", mm, [mm.inputs[0], mm.inputs[1], bias_name], list(node.outputs)))
        else:
            continue
        remove += [mm, node]
    if not add:
        return graph
    return rewrite(graph, remove=remove, add=add)


def _gemm_schema(graph: Graph):
    from refrt.plan import schema_for

    return schema_for("Gemm", graph.opsets.get("", 1), "")
