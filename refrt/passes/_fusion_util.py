"""What the Conv/Gemm/MatMul fusions share: activations a fused kernel can apply, attribute values with
the schema's defaults, per-channel constants, ranks known from types, fresh names, unread constants, and
the edits a pass folding constants into new ones collects (``Folding``)."""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Iterable

import numpy as np
from onnx import helper

from refrt.ir import Graph, Node
from refrt.passes._rewrite import (
    REFRT_DOMAIN, attribute, constant, consumers, kernel_available, new_node, only_consumer, rewrite,
)

# Activations the fused kernels apply in place on their own output (kernels/numpy/_activation_util.py),
# the ones onnxruntime's FusedConv / FusedGemm take.
ACTIVATIONS = ("Relu", "Clip", "Sigmoid", "LeakyRelu", "HardSigmoid", "Tanh")
_PARAMS = {"LeakyRelu": ("alpha",), "HardSigmoid": ("alpha", "beta")}


def value_of(graph: Graph, node: Node, name: str) -> Any:
    """Attribute ``name`` of ``node``, else its schema default at the graph's opset (None: neither)."""
    from refrt.plan import schema_defaults, schema_for

    value = attribute(node, name)
    if value is not None:
        return value
    schema = schema_for(node.op_type, graph.opsets.get(node.domain, 1), node.domain)
    if schema is None:
        return None
    return dict(schema_defaults(node.op_type, schema.since_version, node.domain)).get(name)


def has_attribute(graph: Graph, node: Node, name: str) -> bool:
    """Whether the node's schema revision defines attribute ``name`` (e.g. Gemm's old ``broadcast``)."""
    from refrt.plan import schema_for

    schema = schema_for(node.op_type, graph.opsets.get(node.domain, 1), node.domain)
    return schema is not None and name in schema.attributes


def activation_of(graph: Graph, node: Node) -> tuple[str, list[float]] | None:
    """(activation, activation_params) when ``node`` is an activation a fused kernel can apply."""
    if node.domain or node.op_type not in ACTIVATIONS or len(node.outputs) != 1 or not node.inputs:
        return None
    if node.op_type != "Clip":
        return node.op_type, [float(value_of(graph, node, p)) for p in _PARAMS.get(node.op_type, ())]
    bounds = []  # NaN: unset, the type's finite range (so infinities become finite, as Clip does)
    for i, attr in enumerate(("min", "max")):
        if len(node.inputs) > 1:  # bounds as inputs (opset 11+): they must be constant scalars
            name = node.inputs[i + 1] if i + 1 < len(node.inputs) else ""
            value = constant(graph, name) if name else None
            if name and (value is None or value.size != 1 or value.dtype.kind != "f"):
                return None
            bound = np.nan if value is None else float(value.reshape(())[()])
        else:
            bound = attribute(node, attr)
            bound = np.nan if bound is None else float(bound)
        if not np.isnan(bound) and float(np.float32(bound)) != bound:
            return None  # a float64 bound that a float attribute could not hold exactly
        bounds.append(bound)
    return "Clip", bounds


def fused_node(op_type: str, template: Node, inputs: list[str], outputs: list[str], **attributes: Any) -> Node:
    """A refrt-domain node keeping ``template``'s attributes (and name), with ``attributes`` added."""
    node = new_node(op_type, inputs, outputs, domain=REFRT_DOMAIN, name=template.name)
    node.attributes.update(template.attributes)
    for key, value in attributes.items():
        if value is None or (isinstance(value, list) and not value):
            node.attributes.pop(key, None)
        else:
            node.attributes[key] = helper.make_attribute(key, value)
    return node


def copy_with(node: Node, inputs: list[str] | None = None, outputs: list[str] | None = None, **attributes: Any) -> Node:
    """``node`` as a new node (same op and domain), inputs/outputs/attributes replaced where given."""
    new = new_node(node.op_type, inputs if inputs is not None else node.inputs,
                   outputs if outputs is not None else node.outputs, domain=node.domain, name=node.name)
    new.attributes.update(node.attributes)
    for key, value in attributes.items():
        if value is None:
            new.attributes.pop(key, None)
        else:
            new.attributes[key] = helper.make_attribute(key, value)
    return new


def channel_vector(value: np.ndarray, channels: int, rank: int) -> np.ndarray | None:
    """``value`` as a (channels,) vector when it broadcasts onto an (N, channels, *spatial) output of
    rank ``rank`` only along the channel axis (shape (C,1,1), (1,C,1,1), a scalar ...); else None."""
    if value.ndim > rank or value.size not in (1, channels):
        return None
    shape = (1,) * (rank - value.ndim) + value.shape
    if shape[0] != 1 or any(d != 1 for d in shape[2:]):
        return None
    return np.broadcast_to(value.reshape(-1), (channels,))


def rank_of(graph: Graph, name: str) -> int | None:
    """The rank of value ``name`` when a constant or a (declared or inferred) type says it."""
    value = constant(graph, name)
    if value is not None:
        return value.ndim
    t = graph.value_info.get(name)
    if t is None or t.WhichOneof("value") != "tensor_type" or not t.tensor_type.HasField("shape"):
        return None
    return len(t.tensor_type.shape.dim)


def last_dim_of(graph: Graph, name: str) -> int | None:
    """The size of the last axis of ``name`` when known (a constant, or a fixed dimension in its type)."""
    value = constant(graph, name)
    if value is not None:
        return value.shape[-1] if value.ndim else None
    t = graph.value_info.get(name)
    if t is None or t.WhichOneof("value") != "tensor_type" or not t.tensor_type.HasField("shape"):
        return None
    dims = t.tensor_type.shape.dim
    return dims[-1].dim_value if dims and dims[-1].HasField("dim_value") else None


def fresh_name(graph: Graph, base: str, taken: set[str]) -> str:
    """A value name no node, input, output or constant of ``graph`` uses (nor any in ``taken``)."""
    used = taken | set(graph.initializers) | {o for n in graph.nodes for o in n.outputs}
    used |= {vi.name for vi in (*graph.inputs, *graph.outputs)}
    name, i = base, 0
    while name in used:
        i += 1
        name = f"{base}_{i}"
    taken.add(name)
    return name


def drop_unread(graph: Graph, names: Iterable[str]) -> Graph:
    """``graph`` without those of ``names`` that are constants no node reads any more (not inputs or
    outputs): a folded weight replaces its original, which would otherwise stay held for nothing."""
    read = {n for node in graph.nodes for n in (*node.inputs, *node.implicit_inputs)}
    keep = read | {vi.name for vi in (*graph.inputs, *graph.outputs)}
    gone = {n for n in names if n in graph.initializers and n not in keep}
    if not gone:
        return graph
    return dataclasses.replace(graph, initializers={k: v for k, v in graph.initializers.items() if k not in gone})


class Folding:
    """The edits a pass that folds constants into new ones collects while it walks ``graph``: the nodes
    to remove and to add, the new constants, the constants they replace (dropped by ``result`` once
    nothing reads them) and the names taken so far."""

    def __init__(self, graph: Graph):
        self.graph = graph
        self.remove: list[Node] = []
        self.add: list[Node] = []
        self.inits: dict[str, np.ndarray] = {}
        self.replaced: list[str] = []
        self.names: set[str] = set()

    def fresh(self, base: str) -> str:
        """A value name nothing in the graph uses yet (see ``fresh_name``)."""
        return fresh_name(self.graph, base, self.names)

    def constant(self, base: str, value: np.ndarray) -> str:
        """The fresh name (made from ``base``) of a new constant holding ``value``."""
        name = self.fresh(base)
        self.inits[name] = value
        return name

    def result(self, graph: Graph | None = None) -> Graph:
        """The walked graph (or ``graph``, the walked one with other changes, such as types added) with
        the edits made and the replaced constants nothing reads any more dropped; the walked graph
        itself when nothing was added."""
        if not self.add:
            return self.graph
        graph = self.graph if graph is None else graph
        return drop_unread(rewrite(graph, remove=self.remove, add=self.add, initializers=self.inits), self.replaced)


Fold = Callable[[np.ndarray, "np.ndarray | None", np.ndarray], tuple]


def fold_into_conv(graph: Graph, op_type: str, fold: Fold) -> Graph:
    """Conv followed by ``op_type`` (Add, Mul) of a constant per-channel vector -> one Conv whose new
    constant W, B are ``fold(W, B or None, vector)`` (see fuse_conv_add, fuse_conv_mul); a None
    W keeps the old one, a None B means no bias."""
    uses = consumers(graph)
    edits = Folding(graph)
    for conv in graph.nodes:
        if conv.op_type != "Conv" or conv.domain or len(conv.outputs) != 1 or len(conv.inputs) < 2:
            continue
        node = only_consumer(graph, uses, conv.outputs[0])
        if node is None or node.op_type != op_type or node.domain or len(node.inputs) != 2:
            continue
        if "broadcast" in node.attributes:  # before opset 7: its own broadcasting rules
            continue
        w = constant(graph, conv.inputs[1])
        has_b = len(conv.inputs) > 2 and bool(conv.inputs[2])
        b = constant(graph, conv.inputs[2]) if has_b else None
        other = node.inputs[1] if node.inputs[0] == conv.outputs[0] else node.inputs[0]
        value = constant(graph, other)
        if w is None or w.ndim < 3 or w.dtype.kind != "f" or (has_b and b is None) or value is None:
            continue
        if value.dtype != w.dtype or other == conv.outputs[0]:
            continue
        vector = channel_vector(value, w.shape[0], w.ndim)
        if vector is None:
            continue
        w_new, b_new = fold(w, b, vector)
        inputs = [conv.inputs[0]]
        if w_new is None:
            inputs.append(conv.inputs[1])
        else:
            inputs.append(edits.constant(f"{conv.inputs[1]}_{op_type.lower()}_folded", w_new))
        if b_new is not None:
            inputs.append(edits.constant(f"{node.outputs[0]}_bias_{op_type.lower()}_folded", b_new))
        edits.remove += [conv, node]
        edits.add.append(copy_with(conv, inputs=inputs, outputs=list(node.outputs)))
        edits.replaced += [n for n in (conv.inputs[1], conv.inputs[2] if has_b else "", other) if n]
    return edits.result()


def fuse_activation(graph: Graph, providers, producer_ops: tuple[str, ...], fused_op: str,
                    accept: Callable[[Node], bool] = lambda node: True) -> Graph:
    """producer + activation -> ``fused_op`` with ``activation`` and ``activation_params``.

    The producer is a default-domain node of ``producer_ops`` or a ``fused_op`` without an activation
    yet; its single output is read only by an activation (Relu, Clip with constant bounds, Sigmoid,
    LeakyRelu, HardSigmoid, Tanh), which the fused kernel applies in place on its fresh output.
    """
    if not any(n.op_type in producer_ops or n.op_type == fused_op for n in graph.nodes):
        return graph
    if not kernel_available(fused_op, REFRT_DOMAIN, providers):
        return graph
    uses = consumers(graph)
    remove: list[Node] = []
    add: list[Node] = []
    for node in graph.nodes:
        fusable = (node.op_type in producer_ops and not node.domain) or (
            node.op_type == fused_op and node.domain == REFRT_DOMAIN and "activation" not in node.attributes)
        if not fusable or len(node.outputs) != 1 or not accept(node):
            continue
        act = only_consumer(graph, uses, node.outputs[0])
        found = activation_of(graph, act) if act is not None and act.inputs[0] == node.outputs[0] else None
        if found is None:
            continue
        # fused(inputs; activation) = activation(producer(inputs))
        fused = fused_node(fused_op, node, list(node.inputs), list(act.outputs),
                           activation=found[0], activation_params=found[1])
        fused.attributes.pop("broadcast", None)  # Gemm's pre-7 attribute: FusedGemm always broadcasts C
        remove += [node, act]
        add.append(fused)
    if not add:
        return graph
    # Clip's bounds now live in activation_params
    return drop_unread(rewrite(graph, remove=remove, add=add), [n for a in remove for n in a.inputs[1:]])
