"""RMSNormalization from the primitive pattern (T5 / LLaMA exports; onnxruntime's SimplifiedLayerNormFusion).

    ms = ReduceMean(Pow(x, 2) | Mul(x, x), axes);  s = Sqrt(Add(ms, eps))
    y  = Div(x, s)  |  Mul(x, Reciprocal(s))  |  Mul(x, Div(1, s))        (either operand order)
    y  = Mul(y, gamma)                                                     (optional)

becomes RMSNormalization(x, gamma, axis, epsilon): the standard op (revision 23) when the model's
default opset is 23 or more, else refrt's own RMSNormalization with the same meaning. The axes must
be the trailing ones, keepdims 1, eps and gamma constants; every intermediate must be read by the
pattern alone. Runs after fuse_layer_normalization: LayerNorm's variance branch is an RMS
normalisation of x - mean, which would otherwise be taken here and leave LayerNorm unfused.
"""

from __future__ import annotations

from typing import Sequence

from refrt.ir import Graph, Node
from refrt.passes._pattern import (
    Matcher, fuse_normalization, ones_scale, scale_for, scale_operand, trailing_axis, trailing_dims,
)
from refrt.providers import Provider


def fuse_rms_normalization(graph: Graph, providers: Sequence[Provider]) -> Graph:
    # x / sqrt(mean(x^2) + eps) * gamma = RMSNormalization(x, gamma)
    return fuse_normalization(graph, providers, "RMSNormalization", 23, _match, "RMSNorm")


def _match(m: Matcher, mean_node: Node):
    """(nodes, x, axis, eps, [(gamma's name or None, gamma)], output) or None."""
    square = m.source(mean_node.inputs[0])
    if square is None or square.domain != "" or m.reader(square.outputs[0]) is not mean_node:
        return None
    if square.op_type == "Pow" and m.is_scalar(square.inputs[1], 2.0, rtol=0):
        x = square.inputs[0]
    elif square.op_type == "Mul" and square.inputs[0] == square.inputs[1]:
        x = square.inputs[0]
    else:
        return None
    if m.attr(mean_node, "keepdims") not in (1, None):
        return None
    axis = trailing_axis(m.reduce_axes(mean_node), m.rank(x))
    add_eps = m.reader(mean_node.outputs[0], "Add")
    eps = None if axis is None or add_eps is None else m.scalar(m.other(add_eps, mean_node.outputs[0]) or "")
    sqrt = None if eps is None else m.reader(add_eps.outputs[0], "Sqrt")
    if sqrt is None:
        return None
    nodes = [square, mean_node, add_eps, sqrt]
    s = sqrt.outputs[0]
    scaled = m.reader(s)
    if scaled is None or scaled.domain != "":
        return None
    if scaled.op_type == "Div" and scaled.inputs == [x, s]:  # x / s
        pass
    elif scaled.op_type in ("Reciprocal", "Div"):  # x * (1 / s)
        if scaled.op_type == "Div" and not (scaled.inputs[1] == s and m.is_scalar(scaled.inputs[0], 1.0, rtol=0)):
            return None
        nodes.append(scaled)
        inv = scaled.outputs[0]
        scaled = m.reader(inv, "Mul")
        if scaled is None or m.other(scaled, inv) != x:
            return None
    else:
        return None
    nodes.append(scaled)
    out = scaled.outputs[0]
    trailing = trailing_dims(m, x, axis)
    mul = m.reader(out, "Mul")
    gamma = None if mul is None else scale_for(m, m.other(mul, out) or "", trailing, x)
    if gamma is not None:
        nodes.append(mul)
        return nodes, x, axis, eps, [scale_operand(m, m.other(mul, out), gamma)], mul.outputs[0]
    ones = ones_scale(m, x, trailing)
    if ones is None:
        return None  # no gamma: a Scale of ones, which needs the normalised shape
    return nodes, x, axis, eps, [(None, ones)], out
