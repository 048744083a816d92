"""Gradient (ai.onnx.preview.training): reverse-mode differentiation of the enclosing graph.

A Gradient node names tensors of the graph it lives in (``xs``, ``zs``, ``y``), so no kernel can
compute it alone. At session creation its forward slice (the nodes from xs and zs to y) is copied
into a graph of its own and followed by the backward nodes that the rules below emit; that graph is
compiled like any other and runs as the node's kernel. Backward nodes use only ops whose meaning is
the same at every opset (the slice keeps the model's opset) plus three small ``refrt.internal`` ops.
"""

from __future__ import annotations

from typing import Callable

import onnx
from onnx import helper, numpy_helper

from refrt.errors import NotImplemented
from refrt.ir import Graph, Node, build_graph

INTERNAL = "refrt.internal"  # SumToShapeOf, OnesLike, ZerosLike (kernels/numpy/op_*_like.py ...)


class _Emitter:
    def __init__(self, prefix: str):
        self.nodes: list[onnx.NodeProto] = []
        self.prefix = prefix
        self.count = 0

    def __call__(self, op: str, inputs: list[str], domain: str = "", **attrs) -> str:
        self.count += 1
        out = f"{self.prefix}{self.count}"
        self.nodes.append(helper.make_node(op, inputs, [out], domain=domain, **attrs))
        return out

    def unbroadcast(self, grad: str, like: str) -> str:
        return self("SumToShapeOf", [grad, like], domain=INTERNAL)


# Each rule: (emit, node inputs, node outputs, gradient of the output) -> gradient per input (None: none).
Rule = Callable[[_Emitter, list[str], list[str], str], list]


def _add(e, x, y, g):
    return [e.unbroadcast(g, x[0]), e.unbroadcast(g, x[1])]


def _sub(e, x, y, g):
    return [e.unbroadcast(g, x[0]), e.unbroadcast(e("Neg", [g]), x[1])]


def _mul(e, x, y, g):
    return [e.unbroadcast(e("Mul", [g, x[1]]), x[0]), e.unbroadcast(e("Mul", [g, x[0]]), x[1])]


def _div(e, x, y, g):
    ga = e.unbroadcast(e("Div", [g, x[1]]), x[0])
    gb = e.unbroadcast(e("Neg", [e("Div", [e("Mul", [g, y[0]]), x[1]])]), x[1])  # -g*a/b^2 = -g*y/b
    return [ga, gb]


def _matmul(e, x, y, g):
    return [e("MatMul", [g, e("Transpose", [x[1]], perm=[1, 0])]), e("MatMul", [e("Transpose", [x[0]], perm=[1, 0]), g])]


def _relu(e, x, y, g):
    return [e("Mul", [g, e("Sign", [y[0]])])]  # 1 where the output is positive, else 0


def _sigmoid(e, x, y, g):
    return [e("Mul", [g, e("Mul", [y[0], e("Sub", [e("OnesLike", [y[0]], domain=INTERNAL), y[0]])])])]


def _tanh(e, x, y, g):
    return [e("Mul", [g, e("Sub", [e("OnesLike", [y[0]], domain=INTERNAL), e("Mul", [y[0], y[0]])])])]


RULES: dict[str, Rule] = {
    "Add": _add,
    "Sub": _sub,
    "Mul": _mul,
    "Div": _div,
    "MatMul": _matmul,
    "Relu": _relu,
    "Sigmoid": _sigmoid,
    "Tanh": _tanh,
    "Neg": lambda e, x, y, g: [e("Neg", [g])],
    "Identity": lambda e, x, y, g: [g],
    "Exp": lambda e, x, y, g: [e("Mul", [g, y[0]])],
    "Log": lambda e, x, y, g: [e("Div", [g, x[0]])],
}


def gradient_graph(graph: Graph, node: Node) -> Graph:
    """The graph computing d y / d xs from inputs xs + zs (the Gradient node's own inputs)."""
    attrs = {name: a for name, a in node.attributes.items()}
    xs = [s.decode() for s in attrs["xs"].strings]
    zs = [s.decode() for s in attrs["zs"].strings] if "zs" in attrs else []
    y = attrs["y"].s.decode()
    leaves = set(xs) | set(zs)
    producers = graph.producers()

    needed: list[Node] = []
    seen: set[int] = set()
    stack = [y]
    constants: set[str] = set()
    while stack:
        name = stack.pop()
        if name in leaves or not name:
            continue
        if name in graph.initializers:
            constants.add(name)
            continue
        producer = producers.get(name)
        if producer is None:
            raise NotImplemented(f"Gradient: '{name}' (needed for y='{y}') is neither in xs, zs, nor computed from them")
        if producer.index not in seen:
            seen.add(producer.index)
            needed.append(producer)
            stack += producer.inputs
    forward = [n for n in graph.nodes if n.index in seen]

    emit = _Emitter(prefix=f"__grad_{node.index}_")
    grads: dict[str, list[str]] = {y: [emit("OnesLike", [y], domain=INTERNAL)]}
    for fwd in reversed(forward):
        outs = [o for o in fwd.outputs if o in grads]
        if not outs:
            continue
        rule = RULES.get(fwd.op_type) if fwd.domain == "" else None
        if rule is None or len(fwd.outputs) != 1:
            raise NotImplemented(f"Gradient: no derivative rule for {fwd.op_type} (node '{fwd.name}')")
        g = _total(emit, grads[fwd.outputs[0]])
        for name, contribution in zip(fwd.inputs, rule(emit, fwd.inputs, fwd.outputs, g)):
            if name and contribution is not None:
                grads.setdefault(name, []).append(contribution)
    results = [_total(emit, grads[x]) if x in grads else emit("ZerosLike", [x], domain=INTERNAL) for x in xs]

    protos = [_proto(n) for n in forward] + emit.nodes
    outputs = [helper.make_node("Identity", [r], [f"__grad_{node.index}_out{i}"]) for i, r in enumerate(results)]
    proto = helper.make_graph(
        protos + outputs,
        "gradient",
        [onnx.ValueInfoProto(name=n) for n in [*xs, *zs]],
        [onnx.ValueInfoProto(name=o.output[0]) for o in outputs],
        [_tensor(c, graph.initializers[c]) for c in sorted(constants)],
    )
    opsets = {**graph.opsets, INTERNAL: 1}
    return build_graph(proto, opsets, outer_scope=frozenset())


def _total(emit: _Emitter, parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else emit("Sum", parts)


def _tensor(name: str, value) -> onnx.TensorProto:
    return value if isinstance(value, onnx.TensorProto) else numpy_helper.from_array(value, name)


def _proto(node: Node) -> onnx.NodeProto:
    proto = onnx.NodeProto(op_type=node.op_type, domain=node.domain, input=node.inputs, output=node.outputs, name=node.name)
    proto.attribute.extend(node.attributes.values())
    return proto
