"""LayerNormalization from the primitive pattern exporters write (onnxruntime's LayerNormFusion).

    mean = ReduceMean(x, axes);  d = Sub(x, mean)                  (d may be computed twice)
    var  = ReduceMean(Pow(d, 2) | Mul(d, d), axes)
    y    = Div(d, Sqrt(Add(var, eps)))  |  Mul(d, Reciprocal(Sqrt(Add(var, eps))))
    y    = Add(Mul(y, gamma), beta)                                (either operand order; both optional)

becomes LayerNormalization(x, gamma, beta, axis, epsilon): the standard op (revision 17) when the
model's default opset is 17 or more, else refrt's own LayerNormalization with the same meaning. The
axes must be the trailing ones, keepdims 1, eps / gamma / beta constants; every intermediate must
be read by the pattern alone.
"""

from __future__ import annotations

from typing import Sequence

from refrt.ir import Graph, Node
from refrt.passes._pattern import (
    Matcher, fuse_normalization, ones_scale, scale_for, scale_operand, trailing_axis, trailing_dims,
)
from refrt.providers import Provider


def fuse_layer_normalization(graph: Graph, providers: Sequence[Provider]) -> Graph:
    # (x - mean(x)) / sqrt(mean((x - mean(x))^2) + eps) * gamma + beta = LayerNormalization(x, gamma, beta)
    return fuse_normalization(graph, providers, "LayerNormalization", 17, _match, "LayerNorm")


def _match(m: Matcher, mean_node: Node):
    """The pattern rooted at the first ReduceMean: (nodes, x, axis, eps, (gamma, beta), output) or None,
    gamma and beta (name or None, value) pairs as fuse_normalization takes them."""
    x = mean_node.inputs[0]
    axis = _axis(m, mean_node, x, x)
    if axis is None:
        return None
    mean = mean_node.outputs[0]
    subs = m.uses.get(mean, [])
    if mean in m.outputs or not 1 <= len(subs) <= 2 or any(s.op_type != "Sub" or s.inputs != [x, mean] for s in subs):
        return None
    # One Sub read by the square and the division, or two Subs read by one each.
    square = div = None
    if len(subs) == 1:
        readers = m.uses.get(subs[0].outputs[0], [])
        if len(readers) != 2 or subs[0].outputs[0] in m.outputs:
            return None
        for a, b in (readers, readers[::-1]):
            if _is_square(m, a, subs[0].outputs[0]):
                square, div, d_div = a, b, subs[0].outputs[0]
                break
    else:
        r0, r1 = (m.reader(s.outputs[0]) for s in subs)
        if r0 is None or r1 is None:
            return None
        for (a, da), (b, db) in (((r0, subs[0]), (r1, subs[1])), ((r1, subs[1]), (r0, subs[0]))):
            if _is_square(m, a, da.outputs[0]):
                square, div, d_div = a, b, db.outputs[0]
                break
    if square is None:
        return None
    var_node = m.reader(square.outputs[0], "ReduceMean")
    if var_node is None or _axis(m, var_node, square.outputs[0], x) != axis:
        return None
    add_eps = m.reader(var_node.outputs[0], "Add")
    eps = None if add_eps is None else m.scalar(m.other(add_eps, var_node.outputs[0]) or "")
    if eps is None:
        return None
    sqrt = m.reader(add_eps.outputs[0], "Sqrt")
    if sqrt is None:
        return None
    chain = [mean_node, *subs, square, var_node, add_eps, sqrt]
    # d / sqrt(var + eps), or d * reciprocal(sqrt(var + eps))
    recip = m.reader(sqrt.outputs[0], "Reciprocal")
    denominator = recip.outputs[0] if recip is not None else sqrt.outputs[0]
    if recip is not None:
        chain.append(recip)
        ok = div.op_type == "Mul" and div.domain == "" and m.other(div, denominator) == d_div
    else:
        ok = div.op_type == "Div" and div.domain == "" and div.inputs == [d_div, denominator]
    if not ok or m.reader(denominator) is not div:
        return None
    chain.append(div)

    out = div.outputs[0]
    trailing = trailing_dims(m, x, axis)
    gamma = beta = (None, None)
    mul = m.reader(out, "Mul")
    if mul is not None and (g := scale_for(m, m.other(mul, out) or "", trailing, x)) is not None:
        gamma = scale_operand(m, m.other(mul, out), g)
        chain.append(mul)
        out = mul.outputs[0]
        add = m.reader(out, "Add")
        if add is not None and (b := scale_for(m, m.other(add, out) or "", trailing, x)) is not None:
            beta = scale_operand(m, m.other(add, out), b)
            chain.append(add)
            out = add.outputs[0]
    if gamma[1] is None:  # no affine part: a Scale of ones, which needs the normalised shape
        ones = ones_scale(m, x, trailing)
        if ones is None:
            return None
        gamma = (None, ones)
    return chain, x, axis, eps, (gamma, beta), out


def _axis(m: Matcher, node: Node, reduced: str, x: str) -> int | None:
    """The first reduced axis of a ReduceMean over ``reduced`` (shaped as x), keepdims, trailing axes."""
    if node.inputs[0] != reduced or m.attr(node, "keepdims") not in (1, None):
        return None
    return trailing_axis(m.reduce_axes(node), m.rank(x))


def _is_square(m: Matcher, node: Node, d: str) -> bool:
    """Pow(d, 2) or Mul(d, d)."""
    if node.domain != "":
        return False
    if node.op_type == "Mul":
        return node.inputs == [d, d]
    return node.op_type == "Pow" and node.inputs[0] == d and m.is_scalar(node.inputs[1], 2.0, rtol=0)
