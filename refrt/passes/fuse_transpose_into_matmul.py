"""Transpose of the last two axes feeding MatMul/Gemm -> the product reads the operand transposed (ORT_ENABLE_EXTENDED).

onnxruntime's MatmulTransposeFusion / GemmTransposeFusion: Gemm flips transA/transB (2-D only);
MatMul becomes a refrt FusedMatMul with transA/transB, and a FusedMatMul flips its flag. The
product then reads the operand as it lies (BLAS takes transposed operands as they are); the
Transpose goes when no other node reads it.
"""

from __future__ import annotations

from typing import Sequence

from refrt.ir import Graph, Node
from refrt.passes._fusion_util import copy_with, fused_node, rank_of, value_of
from refrt.passes._rewrite import REFRT_DOMAIN, attribute, consumers, kernel_available, outputs_of, rewrite
from refrt.providers import Provider


def fuse_transpose_into_matmul(graph: Graph, providers: Sequence[Provider]) -> Graph:
    swaps = {n.outputs[0]: n for n in graph.nodes if n.op_type == "Transpose" and not n.domain and _swap_rank(graph, n)}
    if not swaps:
        return graph
    fused_ok = kernel_available("FusedMatMul", REFRT_DOMAIN, providers)
    remove: list[Node] = []
    add: list[Node] = []
    folded: set[tuple[int, str]] = set()  # (consumer, transposed value) pairs now read directly
    for node in graph.nodes:
        is_gemm = node.op_type == "Gemm" and not node.domain
        is_fused = node.op_type == "FusedMatMul" and node.domain == REFRT_DOMAIN
        if not (is_gemm or is_fused or (node.op_type == "MatMul" and not node.domain and fused_ok)):
            continue
        inputs = list(node.inputs)
        flags = {}
        for pos, flag in ((0, "transA"), (1, "transB")):
            t = swaps.get(inputs[pos]) if pos < len(inputs) else None
            if t is None or (is_gemm and _swap_rank(graph, t) != 2):
                continue
            # op(Transpose(X), ...) = op(X, ...) with the operand's trans flag flipped
            current = value_of(graph, node, flag) if is_gemm else attribute(node, flag, 0)
            flags[flag] = 1 - int(current or 0)
            folded.add((node.index, inputs[pos]))
            inputs[pos] = t.inputs[0]
        if not flags:
            continue
        remove.append(node)
        if node.op_type == "MatMul":
            add.append(fused_node("FusedMatMul", node, inputs, list(node.outputs), **flags))
        else:
            add.append(copy_with(node, inputs=inputs, **flags))
    if not add:
        return graph
    uses = consumers(graph)
    outputs = outputs_of(graph)
    for name, t in swaps.items():
        if name not in outputs and uses.get(name) and all((c.index, name) in folded for c in uses[name]):
            remove.append(t)
    return rewrite(graph, remove=remove, add=add)


def _swap_rank(graph: Graph, node: Node) -> int | None:
    """The rank of the Transpose's input when it swaps exactly the last two axes, else None."""
    perm = attribute(node, "perm")
    if perm is None:  # reversed axes: a swap of the last two only for rank 2
        return 2 if rank_of(graph, node.inputs[0]) == 2 else None
    r = len(perm)
    return r if r >= 2 and list(perm) == [*range(r - 2), r - 1, r - 2] else None
