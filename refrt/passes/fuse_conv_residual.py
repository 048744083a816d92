"""Conv + Add of another value (a residual connection) -> FusedConv with that value as Z (ORT_ENABLE_EXTENDED).

onnxruntime's FusedConv takes the sum as an input Z: y = Conv(x, W, B) + Z is added in place on
the convolution's fresh output instead of in a second full-size buffer. Runs before
fuse_conv_activation, so ResNet's Conv, Add, Relu becomes one FusedConv. Add with the legacy
broadcast attribute and Sum of other than two inputs are left alone.
"""

from __future__ import annotations

from typing import Sequence

from refrt.ir import Graph, Node
from refrt.passes._fusion_util import fused_node
from refrt.passes._rewrite import REFRT_DOMAIN, consumers, kernel_available, only_consumer, rewrite
from refrt.providers import Provider


def fuse_conv_residual(graph: Graph, providers: Sequence[Provider]) -> Graph:
    if not any(n.op_type in ("Add", "Sum") and not n.domain for n in graph.nodes):
        return graph
    if not kernel_available("FusedConv", REFRT_DOMAIN, providers):
        return graph
    uses = consumers(graph)
    producer = graph.producers()
    position = {n.index: i for i, n in enumerate(graph.nodes)}
    remove: list[Node] = []
    add: list[Node] = []
    for node in graph.nodes:
        if node.domain or node.op_type not in ("Add", "Sum") or len(node.inputs) != 2 or "broadcast" in node.attributes:
            continue
        if node.inputs[0] == node.inputs[1]:
            continue
        # Of two convolutions, fold the later one: its partner is computed by then anyway.
        candidates = [producer.get(n) for n in node.inputs]
        convs = sorted((c for c in candidates if c is not None and _plain_conv(c) and
                        only_consumer(graph, uses, c.outputs[0]) is node), key=lambda c: -position[c.index])
        if not convs:
            continue
        conv = convs[0]
        z = node.inputs[1] if node.inputs[0] == conv.outputs[0] else node.inputs[0]
        x, w, b = (list(conv.inputs) + ["", ""])[:3]
        # FusedConv(x, W, B, Z) = Conv(x, W, B) + Z
        remove += [conv, node]
        add.append(fused_node("FusedConv", conv, [x, w, b, z], list(node.outputs)))
    if not add:
        return graph
    return rewrite(graph, remove=remove, add=add)


def _plain_conv(node: Node) -> bool:
    """A Conv, or a FusedConv that adds nothing after the convolution yet."""
    if len(node.outputs) != 1:
        return False
    if node.op_type == "Conv" and not node.domain:
        return True
    return (node.op_type == "FusedConv" and node.domain == REFRT_DOMAIN and "activation" not in node.attributes
            and (len(node.inputs) < 4 or not node.inputs[3]))
