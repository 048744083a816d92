"""In-place execution: a refrt-domain elementwise node may overwrite its input's buffer (ORT_ENABLE_LAYOUT).

A node gets ``inplace=1`` when its kernel accepts that attribute (the fused elementwise kernels
that opt in) and its first input is safe to overwrite: an intermediate that this node alone reads,
once, that is no graph output, and whose producer always returns an array of its own (never a view
of a feed, a constant or another value). The kernel still checks that the array is writeable and
of its own dtype, and computes out of place otherwise. The saved buffer is onnxruntime's
in-place reuse of a value at its last consumer: one full-size allocation less per node.
"""

from __future__ import annotations

from typing import Sequence

from refrt.ir import Graph, Node
from refrt.passes._fusion_util import copy_with
from refrt.passes._rewrite import REFRT_DOMAIN, attribute, consumers, only_consumer, rewrite
from refrt.providers import Provider

# Ops whose kernels return a fresh array for output 0 in every case (checked in kernels/numpy):
# no view of an input, never an input itself. Sum and Concat only with two or more inputs.
FRESH_OUTPUT = frozenset({
    ("", "Conv"), ("", "Gemm"), ("", "MatMul"), ("", "BatchNormalization"), ("", "Add"), ("", "Sub"),
    ("", "Mul"), ("", "Div"), ("", "MaxPool"), ("", "AveragePool"), ("", "GlobalAveragePool"),
    ("", "Relu"), ("", "Sigmoid"), ("", "Tanh"), ("", "Sum"), ("", "Concat"),
    (REFRT_DOMAIN, "FusedConv"), (REFRT_DOMAIN, "FusedGemm"), (REFRT_DOMAIN, "FusedMatMul"),
})
AT_LEAST_TWO_INPUTS = frozenset({"Sum", "Concat"})  # with one input they may hand it back as it is


def mark_inplace(graph: Graph, providers: Sequence[Provider]) -> Graph:
    candidates = [n for n in graph.nodes if n.domain == REFRT_DOMAIN and n.inputs and not attribute(n, "inplace", 0)]
    if not candidates:
        return graph
    producer = graph.producers()
    uses = consumers(graph)
    remove: list[Node] = []
    add: list[Node] = []
    marked: set[int] = set()
    for node in candidates:  # in topological order, so a chain of such nodes is marked whole
        source = node.inputs[0]
        maker = producer.get(source)
        if maker is None or not (maker.index in marked or _fresh(maker)):
            continue  # a graph input, a constant, or possibly a view of another value
        if not _accepts_inplace(graph, node, providers):
            continue
        if only_consumer(graph, uses, source) is not node or node.inputs.count(source) != 1:
            continue
        if source in node.implicit_inputs:
            continue
        # node(x) may write into x's buffer: nothing reads x after it
        remove.append(node)
        add.append(copy_with(node, inplace=1))
        marked.add(node.index)
    if not add:
        return graph
    return rewrite(graph, remove=remove, add=add)


def _fresh(node: Node) -> bool:
    marked = node.domain == REFRT_DOMAIN and attribute(node, "inplace", 0)  # hands on its fresh input's buffer
    if (node.domain, node.op_type) not in FRESH_OUTPUT and not marked:
        return False
    return node.op_type not in AT_LEAST_TWO_INPUTS or len(node.inputs) >= 2


def _accepts_inplace(graph: Graph, node: Node, providers: Sequence[Provider]) -> bool:
    from refrt.plan import resolve

    try:
        entry, _ = resolve(node, graph.opsets, providers)
    except Exception:  # noqa: BLE001 - no kernel: the planner reports it
        return False
    return "inplace" in entry.attributes
