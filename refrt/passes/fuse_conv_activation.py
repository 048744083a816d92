"""Conv + activation -> FusedConv with ``activation`` and ``activation_params`` (ORT_ENABLE_EXTENDED).

onnxruntime's ConvActivationFusion: Relu, Clip (constant bounds), Sigmoid, LeakyRelu, HardSigmoid or
Tanh is applied in place on the convolution's fresh output, saving a full-size buffer and a pass.
Runs after fuse_conv_residual, so a FusedConv that adds Z takes the activation after the sum.
"""

from __future__ import annotations

from typing import Sequence

from refrt.ir import Graph, Node
from refrt.passes._fusion_util import activation_of, drop_unread, fused_node
from refrt.passes._rewrite import REFRT_DOMAIN, consumers, kernel_available, only_consumer, rewrite
from refrt.providers import Provider


def fuse_conv_activation(graph: Graph, providers: Sequence[Provider]) -> Graph:
    if not any(n.op_type in ("Conv", "FusedConv") for n in graph.nodes):
        return graph
    if not kernel_available("FusedConv", REFRT_DOMAIN, providers):
        return graph
    uses = consumers(graph)
    remove: list[Node] = []
    add: list[Node] = []
    for conv in graph.nodes:
        fusable = (conv.op_type == "Conv" and not conv.domain) or (
            conv.op_type == "FusedConv" and conv.domain == REFRT_DOMAIN and "activation" not in conv.attributes)
        if not fusable or len(conv.outputs) != 1:
            continue
        act = only_consumer(graph, uses, conv.outputs[0])
        found = activation_of(graph, act) if act is not None and act.inputs[0] == conv.outputs[0] else None
        if found is None:
            continue
        # FusedConv(x, W, B, Z; activation) = activation(Conv(x, W, B) + Z)
        remove += [conv, act]
        add.append(fused_node("FusedConv", conv, list(conv.inputs), list(act.outputs),
                              activation=found[0], activation_params=found[1]))
    if not add:
        return graph
    # Clip's bounds now live in activation_params
    return drop_unread(rewrite(graph, remove=remove, add=add), [n for a in remove for n in a.inputs[1:]])
