"""What the fusion passes share when matching a pattern: who produces and who reads a value, constants
as scalars, the other operand of a binary node, axes and attribute defaults, shapes and element types
from the inferred types; and the driver the two normalisation fusions share (``fuse_normalization``).

    m = Matcher(graph)
    mul = m.reader(name, "Mul")            # the one node reading ``name``, if it is a Mul
    c = m.scalar(m.other(mul, name))        # the Mul's other operand, as a float, when constant
"""

from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import numpy as np
import onnx

from refrt.ir import Graph, Node
from refrt.passes._names import seen_by_name
from refrt.passes._rewrite import REFRT_DOMAIN, attribute, constant, consumers, kernel_available, new_node, rewrite
from refrt.providers import Provider


class Matcher:
    """Read-only lookups over one graph, built once per pass."""

    def __init__(self, graph: Graph):
        self.graph = graph
        self.uses = consumers(graph)
        self.producer = graph.producers()
        # graph outputs and values named elsewhere (subgraphs, Gradient): never fused away
        self.outputs = seen_by_name(graph)
        self.taken: set[int] = set()  # nodes an earlier match of this pass already claimed
        self._used: set[str] | None = None

    # -- structure ------------------------------------------------------------------------------
    def reader(self, name: str, op_type: str | None = None) -> Node | None:
        """The one node reading ``name`` (of ``op_type`` if given), when ``name`` is no graph output."""
        readers = self.uses.get(name, [])
        if len(readers) != 1 or name in self.outputs:
            return None
        node = readers[0]
        return node if _is(node, op_type) else None

    def source(self, name: str, op_type: str | None = None) -> Node | None:
        """The node producing ``name`` (of ``op_type`` if given)."""
        node = self.producer.get(name)
        return node if node is not None and _is(node, op_type) else None

    def private(self, node: Node) -> bool:
        """Whether ``node``'s only output is read by exactly one node and is no graph output."""
        return len(node.outputs) == 1 and self.reader(node.outputs[0]) is not None

    def free(self, nodes: Sequence[Node]) -> bool:
        return not any(n.index in self.taken for n in nodes)

    def claim(self, nodes: Sequence[Node]) -> None:
        self.taken.update(n.index for n in nodes)

    def fresh(self, base: str) -> str:
        """A value name nothing in the graph uses yet (nor an earlier ``fresh`` of this pass)."""
        if self._used is None:
            g = self.graph
            self._used = {*g.initializers, *(o for n in g.nodes for o in n.outputs), *(vi.name for vi in g.inputs)}
            self._used |= self.outputs
        name, i = base, 0
        while name in self._used:
            i += 1
            name = f"{base}_{i}"
        self._used.add(name)
        return name

    # -- operands -------------------------------------------------------------------------------
    def const(self, name: str) -> np.ndarray | None:
        return constant(self.graph, name)

    def scalar(self, name: str) -> float | None:
        """A constant holding exactly one number, as a float."""
        value = self.const(name)
        if value is None or value.size != 1 or value.dtype.kind != "f":
            return None
        return float(value.reshape(()))

    def is_scalar(self, name: str, target: float, rtol: float = 1e-4) -> bool:
        """Whether ``name`` is a one-number constant equal to ``target`` (exactly with rtol=0, else
        within rtol, or within the constant's own precision: float16 holds sqrt(2) as 1.4140625)."""
        value = self.scalar(name)
        if value is None:
            return False
        if rtol:
            rtol = max(rtol, 2 * float(np.finfo(self.const(name).dtype).eps))
        return math.isclose(value, target, rel_tol=rtol)

    @staticmethod
    def other(node: Node, name: str) -> str | None:
        """The other operand of a binary node one of whose operands is ``name``."""
        if len(node.inputs) != 2:
            return None
        a, b = node.inputs
        return b if a == name else a if b == name else None

    def split_const(self, node: Node) -> tuple[str, str] | None:
        """(the non-constant operand, the constant operand) of a binary node with exactly one constant."""
        if len(node.inputs) != 2:
            return None
        a, b = node.inputs
        ca, cb = self.const(a) is not None, self.const(b) is not None
        if ca == cb:
            return None
        return (b, a) if ca else (a, b)

    # -- attributes and types -------------------------------------------------------------------
    def attr(self, node: Node, name: str) -> Any:
        """The node's attribute, else the default of its schema revision at the graph's opset."""
        value = attribute(node, name)
        if value is not None:
            return value
        from refrt.plan import schema_defaults, schema_for  # the planner reads schemas; passes sit above it

        schema = schema_for(node.op_type, self.graph.opsets.get(node.domain, 1), node.domain)
        if schema is None:
            return None
        return dict(schema_defaults(node.op_type, schema.since_version, node.domain)).get(name)

    def reduce_axes(self, node: Node) -> list[int] | None:
        """A ReduceXxx node's axes, from its attribute or its constant second input; None if unknown."""
        if len(node.inputs) > 1 and node.inputs[1]:
            value = self.const(node.inputs[1])
            return None if value is None else [int(a) for a in value.reshape(-1)]
        axes = attribute(node, "axes")
        return None if axes is None else [int(a) for a in axes]

    def shape(self, name: str) -> tuple[int | str | None, ...] | None:
        """The value's shape from the model's or the inferred types: ints, dim_param names or None."""
        value = self.const(name)
        if value is not None:
            return value.shape
        t = self.graph.value_info.get(name)
        if t is None or t.WhichOneof("value") != "tensor_type" or not t.tensor_type.HasField("shape"):
            return None
        return tuple(
            d.dim_value if d.HasField("dim_value") else (d.dim_param or None) for d in t.tensor_type.shape.dim
        )

    def rank(self, name: str) -> int | None:
        shape = self.shape(name)
        return None if shape is None else len(shape)

    def elem_type(self, name: str) -> int | None:
        """The ONNX element type (onnx.TensorProto.FLOAT ...) of a tensor value, None if unknown."""
        value = self.const(name)
        if value is not None:
            try:
                return onnx.helper.np_dtype_to_tensor_dtype(value.dtype)
            except (KeyError, ValueError):
                return None
        t = self.graph.value_info.get(name)
        if t is None or t.WhichOneof("value") != "tensor_type":
            return None
        return t.tensor_type.elem_type or None

    def same_shape(self, a: str, b: str) -> bool:
        """Whether two values surely have one shape (every dimension known, or the same symbol)."""
        sa, sb = self.shape(a), self.shape(b)
        return sa is not None and sa == sb and all(d is not None for d in sa)


def _is(node: Node, op_type: str | None) -> bool:
    return op_type is None or (node.op_type == op_type and node.domain == "")


def trailing_axis(axes: Sequence[int] | None, rank: int | None) -> int | None:
    """The first axis, negative, of a run of axes that ends at the last one ([-2, -1] -> -2), or None."""
    if not axes:
        return None
    if any(a >= 0 for a in axes):
        if rank is None:
            return None
        axes = [a - rank if a >= 0 else a for a in axes]
    ordered = sorted(axes)
    if ordered != list(range(-len(ordered), 0)):
        return None
    return ordered[0]


def trailing_dims(m: Matcher, x: str, axis: int) -> list:
    """The dims of ``x`` from the negative ``axis`` on (ints where known); all None when its shape is not."""
    shape = m.shape(x)
    if shape is None or len(shape) < -axis:
        return [None] * -axis
    return list(shape[axis:])


def scale_operand(m: Matcher, name: str, value: np.ndarray) -> tuple[str | None, np.ndarray]:
    """(name, value) of a Scale / B operand ``scale_for`` gave: the constant's own name when it already
    has the normalised shape, else None (a new constant)."""
    return (name if m.const(name).shape == value.shape else None), value


def ones_scale(m: Matcher, x: str, trailing: Sequence[int | str | None]) -> np.ndarray | None:
    """A Scale of ones in x's type (float32 if unknown) for a pattern without one, or None when it
    cannot be made: it needs every normalised dim known."""
    if not all(isinstance(d, int) for d in trailing):
        return None
    t = m.elem_type(x)
    return np.ones(trailing, dtype=np.dtype(onnx.helper.tensor_dtype_to_np_dtype(t)) if t else np.dtype(np.float32))


def scale_for(m: Matcher, name: str, trailing: Sequence[int | str | None], dtype_of: str) -> np.ndarray | None:
    """A constant Scale / B operand as a normalisation's input of the normalised shape, or None.

    The constant broadcasts onto the input's trailing dims ``trailing`` (ints where known). Leading 1s
    are dropped; each kept dim must equal the input's where known, and where the input's dim is
    unknown it must be more than 1 (a broadcast of size 1 would then widen the result).
    """
    value = m.const(name)
    if value is None or value.dtype.kind != "f":
        return None
    want = m.elem_type(dtype_of)
    if want is not None and onnx.helper.np_dtype_to_tensor_dtype(value.dtype) != want:
        return None
    shape = list(value.shape)
    while len(shape) > len(trailing) and shape[0] == 1:
        shape.pop(0)
    if len(shape) > len(trailing):
        return None
    shape = [1] * (len(trailing) - len(shape)) + shape
    for have, dim in zip(shape, trailing):
        if isinstance(dim, int) and dim != have:
            return None
        if not isinstance(dim, int) and have == 1:
            return None
    return value.reshape(shape)


def standard_or_own(graph: Graph, providers: Sequence[Provider], op_type: str, since: int) -> str | None:
    """The domain to emit ``op_type`` in: the standard op when the model's default opset has it (and a
    provider has its kernel), else our own refrt op of the same name; None when neither has a kernel."""
    if graph.opsets.get("", 1) >= since and kernel_available(op_type, "", providers, since):
        return ""
    if kernel_available(op_type, REFRT_DOMAIN, providers):
        return REFRT_DOMAIN
    return None


Match = Callable[[Matcher, Node], "tuple | None"]


def fuse_normalization(graph: Graph, providers: Sequence[Provider], op_type: str, since: int, match: Match,
                       suffix: str) -> Graph:
    """What fuse_layer_normalization and fuse_rms_normalization share: each pattern ``match`` finds from a
    ReduceMean, (nodes, x, axis, eps, operands, output), becomes one ``op_type``(x, *operands, axis,
    epsilon) node named ``<output>_<suffix>``, the standard op when the model's default opset is ``since``
    or more, else refrt's own. ``operands`` are (name, value) pairs, Scale then B: a None name with a
    value is a constant of our own to add, a (None, None) B is left out."""
    if not any(n.op_type == "ReduceMean" and n.domain == "" for n in graph.nodes):
        return graph
    domain = standard_or_own(graph, providers, op_type, since)
    if domain is None:
        return graph
    m = Matcher(graph)
    remove: list[Node] = []
    add: list[Node] = []
    constants: dict[str, np.ndarray] = {}
    for node in graph.nodes:
        if node.op_type == "ReduceMean" and node.domain == "" and node.index not in m.taken:
            found = match(m, node)
            if found is not None and m.free(found[0]):
                nodes, x, axis, eps, operands, out = found
                m.claim(nodes)
                inputs = [x]
                for role, (name, value) in zip(("scale", "bias"), operands):
                    if value is not None and name is None:  # reshaped or made up: a constant of our own
                        name = m.fresh(f"{out}_{role}")
                        constants[name] = value
                    inputs.append(name or "")
                while inputs[-1] == "":
                    inputs.pop()
                remove += nodes
                add.append(new_node(op_type, inputs, [out], domain=domain, name=f"{out}_{suffix}", axis=axis,
                                    epsilon=eps))
    if not add:
        return graph
    return rewrite(graph, remove=remove, add=add, initializers=constants)
