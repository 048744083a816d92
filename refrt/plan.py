"""From IR to a static execution plan: kernels resolved, attributes bound, values in numbered slots.

Everything that does not depend on input data happens here, once per session: each node's kernel
is looked up by the exact schema revision for the model's opset (first provider in the session's
list that has it), attributes are converted and completed with the schema's defaults, and every
value name becomes an index into a flat list. ``CompiledGraph.plan_for(outputs)`` then picks the
nodes those outputs need and the point after which each intermediate can be released.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any, Callable, NamedTuple, Sequence

import numpy as np
import onnx
from onnx import AttributeProto, helper

from refrt import registry
from refrt.errors import Fail, InvalidGraph, NotImplemented
from refrt.ir import Graph, Node
from refrt.providers import Provider
from refrt.types import tensor_to_array

ABSENT = 0  # slot that always holds None: an omitted optional input


@lru_cache(maxsize=4096)
def schema_for(op_type: str, version: int, domain: str) -> onnx.defs.OpSchema | None:
    """The schema revision in force for ``op_type`` at opset ``version`` of ``domain`` (None: unknown)."""
    try:
        return onnx.defs.get_schema(op_type, version, domain)
    except onnx.defs.SchemaError:
        return None


@lru_cache(maxsize=4096)
def schema_defaults(op_type: str, version: int, domain: str) -> tuple[tuple[str, Any], ...]:
    """Attribute defaults of a schema revision, converted once (the one place defaults come from)."""
    schema = schema_for(op_type, version, domain)
    if schema is None:
        return ()
    return tuple(
        (name, attribute_value(a.default_value))
        for name, a in schema.attributes.items()
        if a.default_value.type != AttributeProto.UNDEFINED
    )


def attribute_value(a: AttributeProto) -> Any:
    """An attribute as a kernel receives it: str for strings, np.ndarray for tensors, lists for lists."""
    t = a.type
    if t == AttributeProto.STRING:
        return a.s.decode("utf-8", errors="replace")
    if t == AttributeProto.STRINGS:
        return [s.decode("utf-8", errors="replace") for s in a.strings]
    if t == AttributeProto.TENSOR:
        return tensor_to_array(a.t)
    if t == AttributeProto.TENSORS:
        return [tensor_to_array(x) for x in a.tensors]
    if t == AttributeProto.INTS:
        return list(a.ints)
    if t == AttributeProto.FLOATS:
        return list(a.floats)
    return helper.get_attribute_value(a)


class Step(NamedTuple):
    fn: Callable
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    frees: tuple[int, ...]
    single: bool
    node: Node
    provider: str


@dataclass(frozen=True)
class Plan:
    steps: tuple[Step, ...]
    output_slots: tuple[int, ...]


@dataclass(frozen=True)
class CompiledNode:
    fn: Callable
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    node: Node
    provider: str
    kernel: registry.KernelEntry | None  # None: the node runs its schema's function body


class CompiledGraph:
    """A graph whose nodes are resolved and bound; read-only once built (shared by all runs)."""

    def __init__(self, graph: Graph, providers: Sequence[Provider]):
        self.graph = graph
        self.providers = list(providers)
        self.slots: dict[str, int] = {"": ABSENT}
        names = [vi.name for vi in graph.inputs] + list(graph.initializers) + graph.outer_refs
        for name in names:
            self._slot(name)
        self.nodes = tuple(self._compile(node) for node in graph.nodes)
        template = [None] * len(self.slots)
        for name, tensor in graph.initializers.items():
            array = tensor if isinstance(tensor, np.ndarray) else _initializer_array(name, tensor)
            array.flags.writeable = False  # constants are shared across runs and threads
            template[self.slots[name]] = array
        self.template = template
        self.producer = {o: i for i, cn in enumerate(self.nodes) for o in cn.node.outputs if o}
        # Values a node may overwrite in place (refrt/passes/mark_inplace.py): not fetchable here.
        self.overwritten = frozenset(
            cn.node.inputs[0] for cn in self.nodes
            if "inplace" in cn.node.attributes and cn.node.attributes["inplace"].i and cn.node.inputs
        )
        self._plans: dict[tuple[str, ...], Plan] = {}
        self._lock = threading.Lock()

    def _slot(self, name: str) -> int:
        if name not in self.slots:
            self.slots[name] = len(self.slots)
        return self.slots[name]

    def _compile(self, node: Node) -> CompiledNode:
        if (node.domain, node.op_type) == ("ai.onnx.preview.training", "Gradient"):
            from refrt.gradient import gradient_graph

            body = CompiledGraph(gradient_graph(self.graph, node), self.providers)
            call = _FunctionCall(body, [vi.name for vi in body.graph.outputs])
            inputs = tuple(self._slot(n) if n else ABSENT for n in node.inputs)
            return CompiledNode(call, inputs, self._output_slots(node), node, "gradient graph", None)
        try:
            return self._compile_kernel(node)
        except NotImplemented:
            call = self._compile_function(node)
            if call is None:
                raise
            inputs = tuple(self._slot(n) if n else ABSENT for n in node.inputs)
            return CompiledNode(call, inputs, self._output_slots(node), node, "function body", None)

    def _compile_function(self, node: Node) -> "_FunctionCall | None":
        """The schema's function body for a node no provider has a kernel for (None: no body)."""
        from refrt.functions import body_graph, function_body

        types = [self._type_of(n) if n else None for n in node.inputs]
        body = function_body(node, self.graph.opsets.get(node.domain, 1), types)
        if body is None:
            return None
        graph = body_graph(node, body, self.graph.opsets)
        produced = {vi.name for vi in graph.outputs}
        formal = [n if n in produced else None for n in body.output]
        return _FunctionCall(CompiledGraph(graph, self.providers), formal[: len(node.outputs)])

    def _type_of(self, name: str) -> onnx.TypeProto | None:
        if name in self.graph.value_info:
            return self.graph.value_info[name]
        value = self.graph.initializers.get(name)
        if isinstance(value, onnx.TensorProto):
            return helper.make_tensor_type_proto(value.data_type, list(value.dims))
        if isinstance(value, np.ndarray):
            return helper.make_tensor_type_proto(helper.np_dtype_to_tensor_dtype(value.dtype), list(value.shape))
        return None

    def _compile_kernel(self, node: Node) -> CompiledNode:
        if not node.subgraphs:
            fn, entry = bind_node(node, self.graph.opsets, self.providers)
            inputs = tuple(self._slot(n) if n else ABSENT for n in node.inputs)
            return CompiledNode(fn, inputs, self._output_slots(node), node, entry.provider, entry)
        entry, version = resolve(node, self.graph.opsets, self.providers)
        attrs = bind_attributes(node, entry, version)
        for name, sub in node.subgraphs.items():
            attrs[name] = (
                [CompiledGraph(g, self.providers) for g in sub]
                if isinstance(sub, list)
                else CompiledGraph(sub, self.providers)
            )
        inputs = [self._slot(n) if n else ABSENT for n in node.inputs]
        fn = _WithOuterScope(entry.fn, attrs, len(inputs), tuple(node.implicit_inputs))
        inputs += [self._slot(n) for n in node.implicit_inputs]
        return CompiledNode(fn, tuple(inputs), self._output_slots(node), node, entry.provider, entry)

    def _output_slots(self, node: Node) -> tuple[int, ...]:
        # An omitted output still gets a slot of its own, released right after the node.
        return tuple(self._slot(n) if n else self._slot(f"\0{node.index}:{i}") for i, n in enumerate(node.outputs))

    def plan_for(self, outputs: Sequence[str]) -> Plan:
        """The steps that compute ``outputs`` (names already validated), with release points."""
        key = tuple(outputs)
        plan = self._plans.get(key)
        if plan is None:
            with self._lock:
                plan = self._plans.get(key) or self._build_plan(key)
                if len(self._plans) < 64:
                    self._plans[key] = plan
        return plan

    def _build_plan(self, outputs: tuple[str, ...]) -> Plan:
        needed: set[int] = set()
        stack = [self.producer[o] for o in outputs if o in self.producer]
        while stack:
            i = stack.pop()
            if i in needed:
                continue
            needed.add(i)
            node = self.nodes[i].node
            stack += [self.producer[n] for n in (*node.inputs, *node.implicit_inputs) if n in self.producer]
        order = sorted(needed)  # nodes are stored in topological order
        keep = {self.slots[o] for o in outputs}
        produced = {s for i in order for s in self.nodes[i].outputs}
        last_use: dict[int, int] = {}
        for pos, i in enumerate(order):
            for s in self.nodes[i].outputs:
                last_use.setdefault(s, pos)  # never read: release right away
            for s in self.nodes[i].inputs:
                if s in produced:
                    last_use[s] = pos
        frees: dict[int, list[int]] = {}
        for s, pos in last_use.items():
            if s not in keep:
                frees.setdefault(pos, []).append(s)
        steps = tuple(
            Step(
                cn.fn, cn.inputs, cn.outputs, tuple(frees.get(pos, ())), len(cn.outputs) == 1, cn.node, cn.provider
            )
            for pos, cn in ((pos, self.nodes[i]) for pos, i in enumerate(order))
        )
        return Plan(steps, tuple(self.slots[o] for o in outputs))


def _initializer_array(name: str, tensor: onnx.TensorProto) -> np.ndarray:
    try:
        return tensor_to_array(tensor)
    except Exception as e:  # noqa: BLE001 - a malformed tensor is the model's fault, named as such
        raise InvalidGraph(f"This is an invalid model. Initializer '{name}' cannot be read: {e}") from None


class _FunctionCall:
    """Runs a function body as if it were the node's kernel."""

    def __init__(self, body: "CompiledGraph", outputs: list[str | None]):
        self.body = body
        self.outputs = outputs  # the body's value for each node output (None: the body leaves it out)

    def __call__(self, *args):
        values = dict(zip(self.body_outputs, BoundGraph(self.body, {})(*args)))
        results = [values.get(name) if name else None for name in self.outputs]
        return results[0] if len(results) == 1 else tuple(results)

    @property
    def body_outputs(self) -> list[str]:
        return [vi.name for vi in self.body.graph.outputs]


class _WithOuterScope:
    """Calls a control-flow kernel with its subgraphs bound to this run's outer-scope values."""

    def __init__(self, fn: Callable, attrs: dict, n_inputs: int, outer_names: tuple[str, ...]):
        self.fn = fn
        self.static = {k: v for k, v in attrs.items() if not _is_graph(v)}
        self.graphs = {k: v for k, v in attrs.items() if _is_graph(v)}
        self.n_inputs = n_inputs
        self.outer_names = outer_names

    def __call__(self, *args):
        outer = dict(zip(self.outer_names, args[self.n_inputs :]))
        bound = {
            k: [BoundGraph(g, outer) for g in v] if isinstance(v, list) else BoundGraph(v, outer)
            for k, v in self.graphs.items()
        }
        return self.fn(*args[: self.n_inputs], **self.static, **bound)


def _is_graph(v: Any) -> bool:
    return isinstance(v, CompiledGraph) or (isinstance(v, list) and v and isinstance(v[0], CompiledGraph))


class BoundGraph:
    """A subgraph ready to run inside one call of its node: ``outputs = body(*inputs)``."""

    def __init__(self, compiled: CompiledGraph, outer: dict[str, Any]):
        self.compiled = compiled
        self.outer = outer
        self.input_names = [vi.name for vi in compiled.graph.inputs]
        self.output_names = [vi.name for vi in compiled.graph.outputs]

    def __call__(self, *inputs: Any) -> list[Any]:
        from refrt.executor import run_plan

        c = self.compiled
        env = list(c.template)
        for name, value in zip(self.input_names, inputs):
            env[c.slots[name]] = value
        for name in c.graph.outer_refs:
            env[c.slots[name]] = self.outer[name]
        plan = c.plan_for(self.output_names)
        return run_plan(plan, env)


def bind_node(node: Node, opsets: dict[str, int], providers: Sequence[Provider]) -> tuple[Callable, registry.KernelEntry]:
    """The node's kernel with its attributes bound: call it with the node's inputs."""
    entry, version = resolve(node, opsets, providers)
    attrs = bind_attributes(node, entry, version)
    if entry.prepare:  # the kernel builds its run function once, from the attributes
        try:
            return entry.fn(**attrs), entry
        except (ValueError, TypeError, KeyError, IndexError) as e:  # bad attributes: onnxruntime's words
            raise Fail(f"Exception during initialization: {node.op_type} node '{node.name}': {e}") from e
    return (partial(entry.fn, **attrs) if attrs else entry.fn), entry


def resolve(node: Node, opsets: dict[str, int], providers: Sequence[Provider]) -> tuple[registry.KernelEntry, int]:
    """The kernel for ``node``: first provider in the list that implements its schema revision."""
    if node.domain not in opsets:
        raise InvalidGraph(f"This is an invalid model. In Node, {node.describe()} , Error No opset import for domain '{node.domain}'")
    opset = opsets[node.domain]
    schema = schema_for(node.op_type, opset, node.domain)
    version = schema.since_version if schema is not None else opset
    for p in providers:
        p.discover()
        entry = registry.lookup(node.domain, node.op_type, version, p.name)
        if entry is not None:
            return entry, version
    if schema is None:
        raise Fail(f"Fatal error: {node.domain}:{node.op_type}(-1) is not a registered function/op")
    raise NotImplemented(
        f"Could not find an implementation for {node.op_type}({version}) node with name '{node.name}'"
    )


def bind_attributes(node: Node, entry: registry.KernelEntry, version: int) -> dict[str, Any]:
    """Schema defaults overlaid with the node's attributes, restricted to what the kernel accepts."""
    defaults = dict(schema_defaults(node.op_type, version, node.domain))
    values = dict(defaults)
    for name, proto in node.attributes.items():
        if proto.ref_attr_name:
            raise InvalidGraph(
                f"This is an invalid model. In Node, {node.describe()} , Error attribute '{name}' refers "
                "to a function attribute outside a function"
            )
        if name not in node.subgraphs:  # subgraphs are compiled by the caller
            values[name] = attribute_value(proto)
    accepted = (lambda name: True) if entry.takes_any_attribute else entry.attributes.__contains__
    for name in node.attributes:
        if not accepted(name) and (name in node.subgraphs or not _same(values[name], defaults.get(name, _MISSING))):
            raise NotImplemented(
                f"Could not find an implementation for {node.op_type}({version}) node with name "
                f"'{node.name}': attribute '{name}' is not supported by {entry.where}"
            )
    result = {k: v for k, v in values.items() if accepted(k)}
    for fact in entry.facts:
        if fact == "_num_outputs":
            result[fact] = len(node.outputs)
        elif fact == "_output_used":
            result[fact] = tuple(bool(o) for o in node.outputs)
    return result


_MISSING = object()


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(np.all(a == b)) and type(a) is type(b)
    except Exception:
        return False
