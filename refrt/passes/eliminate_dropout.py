"""Inference-mode Dropout elimination: readers of ``Dropout(x)`` read ``x`` (ORT_ENABLE_BASIC).

In inference Dropout is the identity. It is removed when it cannot be in training mode (no
``training_mode`` input, or a constant False one; or a constant ratio of 0) and its mask output is
read by nobody (a mask someone reads keeps the node). Before opset 12 there is no switch a runtime
acts on: refrt's kernels run those revisions as the identity, as onnxruntime does.
"""

from __future__ import annotations

from typing import Sequence

from refrt.ir import Graph, Node
from refrt.passes._names import seen_by_name
from refrt.passes._rewrite import constant, consumers
from refrt.passes.eliminate_identity import bypass
from refrt.providers import Provider


def eliminate_dropout(graph: Graph, providers: Sequence[Provider]) -> Graph:
    if not any(n.op_type == "Dropout" and n.domain == "" for n in graph.nodes):
        return graph
    uses = consumers(graph)
    by_name = seen_by_name(graph)
    removable = [n for n in graph.nodes if n.op_type == "Dropout" and n.domain == "" and _inference(graph, n)
                 and not any(m and (uses.get(m) or m in by_name) for m in n.outputs[1:])]
    return bypass(graph, removable) if removable else graph


def _inference(graph: Graph, node: Node) -> bool:
    """Dropout(x) == x for sure: training_mode absent or constant False, or ratio constant 0."""
    training = node.inputs[2] if len(node.inputs) > 2 else ""
    if not training:
        return True
    mode = constant(graph, training)
    if mode is not None and mode.size == 1 and not bool(mode.reshape(())):
        return True
    ratio = constant(graph, node.inputs[1]) if len(node.inputs) > 1 else None
    return ratio is not None and ratio.size == 1 and float(ratio.reshape(())) == 0.0
