"""Gelu from its spelled-out forms, then bias + Gelu (onnxruntime's GeluFusion, FastGeluFusion and
BiasGeluFusion).

    exact: x * 0.5 * (1 + Erf(x / sqrt(2)))      (Div by sqrt 2 or Mul by 1 / sqrt 2; the three
                                                  factors x, 0.5, (1 + erf) multiplied in any order)
    tanh:  x * 0.5 * (1 + Tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))
           (x^3 as Pow(x, 3) or x * x * x; or the inner term as x * (1 + 0.044715 * x * x))

become Gelu(x, approximate="none" | "tanh"): the standard op (revision 20) when the model's default
opset is 20 or more, else refrt's own Gelu. Then an Add of a constant (a bias) whose sum only a Gelu
reads becomes refrt BiasGelu(x, bias): one buffer instead of two.
"""

from __future__ import annotations

import math
from typing import Sequence

from refrt.ir import Graph, Node
from refrt.passes._pattern import Matcher, standard_or_own
from refrt.passes._rewrite import REFRT_DOMAIN, kernel_available, new_node, rewrite
from refrt.providers import Provider

SQRT_2 = math.sqrt(2.0)
SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def fuse_gelu(graph: Graph, providers: Sequence[Provider]) -> Graph:
    if any(n.op_type in ("Erf", "Tanh") and n.domain == "" for n in graph.nodes):
        graph = _fuse_gelu(graph, providers)
    if any(n.op_type == "Gelu" for n in graph.nodes) and kernel_available("BiasGelu", REFRT_DOMAIN, providers):
        graph = _fuse_bias(graph)
    return graph


def _fuse_gelu(graph: Graph, providers: Sequence[Provider]) -> Graph:
    domain = standard_or_own(graph, providers, "Gelu", 20)
    if domain is None:
        return graph
    m = Matcher(graph)
    remove: list[Node] = []
    add: list[Node] = []
    for node in graph.nodes:
        if node.domain != "" or node.index in m.taken:
            continue
        if node.op_type == "Erf":
            found, approximate = _match_erf(m, node), "none"
        elif node.op_type == "Tanh":
            found, approximate = _match_tanh(m, node), "tanh"
        else:
            continue
        if found is None or not m.free(found[0]):
            continue
        nodes, x, out = found
        m.claim(nodes)
        remove += nodes
        # x * 0.5 * (1 + erf(x / sqrt 2)) = Gelu(x); with tanh(sqrt(2/pi) (x + 0.044715 x^3)): Gelu(x, "tanh")
        add.append(new_node("Gelu", [x], [out], domain=domain, name=f"{out}_Gelu", approximate=approximate))
    return rewrite(graph, remove=remove, add=add) if add else graph


def _match_erf(m: Matcher, erf: Node):
    """Erf(x / sqrt 2) -> Add 1 -> times x and 0.5: (nodes, x, output) or None."""
    scaled = m.source(erf.inputs[0])
    if scaled is None or m.reader(scaled.outputs[0]) is not erf:
        return None
    if scaled.op_type == "Div" and scaled.domain == "" and m.is_scalar(scaled.inputs[1], SQRT_2):
        x = scaled.inputs[0]
    elif scaled.op_type == "Mul" and scaled.domain == "" and (pair := m.split_const(scaled)) is not None \
            and m.is_scalar(pair[1], 1 / SQRT_2):
        x = pair[0]
    else:
        return None
    return _one_plus_times_half_x(m, [scaled, erf], erf.outputs[0], x)


def _match_tanh(m: Matcher, tanh: Node):
    """Tanh(sqrt(2/pi) * (x + 0.044715 x^3)) -> Add 1 -> times x and 0.5: (nodes, x, output) or None."""
    scaled = m.source(tanh.inputs[0], "Mul")
    if scaled is None or m.reader(scaled.outputs[0]) is not tanh:
        return None
    for inner, c in (scaled.inputs, scaled.inputs[::-1]):
        if m.is_scalar(c, SQRT_2_OVER_PI):
            found = _cubic_term(m, inner)
            if found is not None:
                nodes, x = found
                return _one_plus_times_half_x(m, [*nodes, scaled, tanh], tanh.outputs[0], x)
    return None


def _cubic_term(m: Matcher, name: str):
    """x + 0.044715 * x^3, or x * (1 + 0.044715 * x * x): (nodes, x) or None."""
    node = m.source(name)
    if node is None or node.domain != "" or m.reader(name) is None:
        return None
    if node.op_type == "Add":  # x + 0.044715 * x^3
        for x, term in (node.inputs, node.inputs[::-1]):
            mul = m.source(term, "Mul")
            pair = None if mul is None or m.reader(term) is not node else m.split_const(mul)
            if pair is not None and m.is_scalar(pair[1], 0.044715):
                cube = _power(m, pair[0], x, 3)
                if cube is not None:
                    return [*cube, mul, node], x
    if node.op_type == "Mul":  # x * (1 + 0.044715 * x * x)
        for x, term in (node.inputs, node.inputs[::-1]):
            one_plus = m.source(term, "Add")
            pair = None if one_plus is None or m.reader(term) is not node else m.split_const(one_plus)
            if pair is None or not m.is_scalar(pair[1], 1.0):
                continue
            mul = m.source(pair[0], "Mul")
            inner = None if mul is None or m.reader(pair[0]) is not one_plus else m.split_const(mul)
            if inner is not None and m.is_scalar(inner[1], 0.044715):
                square = _power(m, inner[0], x, 2)
                if square is not None:
                    return [*square, mul, one_plus, node], x
    return None


def _power(m: Matcher, name: str, x: str, n: int) -> list[Node] | None:
    """The nodes computing x^n into ``name`` (n = 2: Pow or x * x; n = 3: Pow, x * (x * x), (x * x) * x)."""
    node = m.source(name)
    if node is None or node.domain != "" or m.reader(name) is None:
        return None
    if node.op_type == "Pow":
        return [node] if node.inputs[0] == x and m.is_scalar(node.inputs[1], float(n), rtol=0) else None
    if node.op_type != "Mul" or x not in node.inputs:
        return None
    if n == 2:
        return [node] if node.inputs == [x, x] else None
    inner = m.other(node, x)
    square = None if inner == x else _power(m, inner, x, 2)
    return None if square is None else [*square, node]


def _one_plus_times_half_x(m: Matcher, nodes: list[Node], f: str, x: str):
    """Add(f, 1), then 0.5 * x * (1 + f) in any association: (nodes, x, output) or None."""
    one_plus = m.reader(f, "Add")
    if one_plus is None or not m.is_scalar(m.other(one_plus, f) or "", 1.0):
        return None
    h = one_plus.outputs[0]
    nodes = [*nodes, one_plus]
    m1 = m.reader(h, "Mul")
    if m1 is None:
        return None
    o = m.other(m1, h)
    if o == x:  # (x * h) * 0.5
        m2 = m.reader(m1.outputs[0], "Mul")
        if m2 is not None and m.is_scalar(m.other(m2, m1.outputs[0]) or "", 0.5):
            return [*nodes, m1, m2], x, m2.outputs[0]
    elif m.is_scalar(o or "", 0.5):  # (h * 0.5) * x
        m2 = m.reader(m1.outputs[0], "Mul")
        if m2 is not None and m.other(m2, m1.outputs[0]) == x:
            return [*nodes, m1, m2], x, m2.outputs[0]
    else:  # (x * 0.5) * h
        half_x = m.source(o or "", "Mul")
        pair = None if half_x is None or m.reader(o) is not m1 else m.split_const(half_x)
        if pair is not None and pair[0] == x and m.is_scalar(pair[1], 0.5):
            return [*nodes, half_x, m1], x, m1.outputs[0]
    return None


def _fuse_bias(graph: Graph) -> Graph:
    """Gelu(Add(x, bias)) -> BiasGelu(x, bias): a constant bias, a sum nothing else reads."""
    m = Matcher(graph)
    remove: list[Node] = []
    add: list[Node] = []
    for gelu in graph.nodes:
        if gelu.op_type != "Gelu" or gelu.domain not in ("", REFRT_DOMAIN):
            continue
        bias_add = m.source(gelu.inputs[0], "Add")
        if bias_add is None or m.reader(bias_add.outputs[0]) is not gelu:
            continue
        pair = m.split_const(bias_add)
        if pair is None:
            continue
        x, bias = pair
        approximate = m.attr(gelu, "approximate") or "none"
        remove += [bias_add, gelu]  # Gelu(x + bias) = BiasGelu(x, bias)
        add.append(new_node("BiasGelu", [x, bias], gelu.outputs, domain=REFRT_DOMAIN,
                            name=f"{gelu.outputs[0]}_BiasGelu", approximate=approximate))
    return rewrite(graph, remove=remove, add=add) if add else graph
