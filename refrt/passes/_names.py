"""Values that are referred to by name rather than read as a node input.

Graph outputs, the outer-scope values a subgraph reads, and the values a Gradient node's ``xs``,
``zs`` and ``y`` attributes name (the gradient graph is built from the optimized graph at plan
time). A pass must neither rename such a value nor drop its producer.
"""

from __future__ import annotations

from refrt.ir import Graph
from refrt.passes._rewrite import outputs_of

TRAINING_DOMAIN = "ai.onnx.preview.training"


def seen_by_name(graph: Graph) -> set[str]:
    names = outputs_of(graph)
    for node in graph.nodes:
        names.update(node.implicit_inputs)
        if node.domain == TRAINING_DOMAIN and node.op_type == "Gradient":
            for key in ("xs", "zs", "y"):
                a = node.attributes.get(key)
                if a is not None:
                    names.update(s.decode() for s in (a.strings if a.strings else [a.s]))
    names.discard("")
    return names
