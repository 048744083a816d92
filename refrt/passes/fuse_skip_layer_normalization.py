"""Residual Add + LayerNormalization -> refrt SkipLayerNormalization (onnxruntime's SkipLayerNormFusion).

    s = Add(Add(x, bias), skip)  |  Add(x, skip)       (bias a constant; the sum may have other readers)
    y = LayerNormalization(s, gamma, beta, axis=-1)    (standard, or refrt's from fuse_layer_normalization)

becomes y, _, _, s = SkipLayerNormalization(x, skip, gamma, beta, bias): one pass makes the sum, the
normalisation works in a buffer of its own only when something else still reads the sum (a pre-norm
block's next residual). Runs after fuse_layer_normalization, whose LayerNormalization it also takes.
"""

from __future__ import annotations

from typing import Sequence

from refrt.ir import Graph, Node
from refrt.passes._pattern import Matcher
from refrt.passes._rewrite import REFRT_DOMAIN, kernel_available, new_node, rewrite
from refrt.providers import Provider


def fuse_skip_layer_normalization(graph: Graph, providers: Sequence[Provider]) -> Graph:
    if not any(n.op_type == "LayerNormalization" for n in graph.nodes):
        return graph
    if not kernel_available("SkipLayerNormalization", REFRT_DOMAIN, providers):
        return graph
    m = Matcher(graph)
    remove: list[Node] = []
    add: list[Node] = []
    for ln in graph.nodes:
        if ln.op_type != "LayerNormalization" or ln.domain not in ("", REFRT_DOMAIN) or len(ln.inputs) < 2:
            continue
        if any(o and (m.uses.get(o) or o in m.outputs) for o in ln.outputs[1:]):
            continue  # Mean / InvStdDev are read: not ours to drop
        if m.attr(ln, "stash_type") not in (None, 1):
            continue
        axis = m.attr(ln, "axis")
        axis = -1 if axis is None else axis
        rank = m.rank(ln.inputs[0])
        if axis != -1 and (rank is None or axis != rank - 1):
            continue
        residual = m.source(ln.inputs[0], "Add")
        if residual is None or residual.index in m.taken:
            continue
        a, b = residual.inputs
        if m.const(a) is not None or m.const(b) is not None:
            continue  # Add of a constant is a bias, not a residual
        nodes = [residual, ln]
        x, skip, bias = a, b, ""
        for first, second in ((a, b), (b, a)):
            bias_add = m.source(first, "Add")
            if bias_add is not None and m.reader(first) is residual and bias_add.index not in m.taken:
                pair = m.split_const(bias_add)
                if pair is not None and m.const(pair[1]).ndim == 1:
                    x, skip, bias = pair[0], second, pair[1]
                    nodes.append(bias_add)
                    break
        m.claim(nodes)
        s = residual.outputs[0]
        sum_read = m.reader(s) is not ln  # read by another node too, or a graph output
        inputs = [x, skip, *ln.inputs[1:3]]
        inputs += [""] * (4 - len(inputs)) + [bias]
        while inputs[-1] == "":
            inputs.pop()
        epsilon = m.attr(ln, "epsilon")
        remove += nodes
        # LayerNorm((x + bias) + skip) = SkipLayerNormalization(x, skip, gamma, beta, bias)[0]; the sum is output 3
        outputs = [ln.outputs[0], "", "", s] if sum_read else [ln.outputs[0]]
        add.append(new_node("SkipLayerNormalization", inputs, outputs,
                            domain=REFRT_DOMAIN, name=f"{ln.outputs[0]}_SkipLayerNorm",
                            epsilon=1e-5 if epsilon is None else float(epsilon)))
    return rewrite(graph, remove=remove, add=add) if add else graph
