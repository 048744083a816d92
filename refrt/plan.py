"""From IR to a static execution plan: kernels resolved, attributes bound, values in numbered slots.

Everything that does not depend on input data happens here, once per session: each node's kernel
is looked up by the exact schema revision for the model's opset (first provider in the session's
list that has it), attributes are converted and completed with the schema's defaults, and every
value name becomes an index into a flat list. ``CompiledGraph.plan_for(outputs)`` then picks the
nodes those outputs need and the point after which each intermediate can be released.

With a device provider (CUDA) in the list, a value lives on the host or on the device. The plan then
holds explicit transfer steps, MemcpyFromHost and MemcpyToHost as onnxruntime names them, wherever a
node reads a value from the other side: graph inputs go up once, graph outputs come down once, a node
that falls back to the CPU gets a download before it and an upload after it. Initializers that device
nodes read are uploaded once, here. Shape and Size read only metadata and run on the host without a
copy; small int64 shape arithmetic between them and the shape inputs of device nodes (Reshape's shape,
Slice's starts ...: refrt.device.HOST_INPUTS) stays on the host too, as onnxruntime places it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any, Callable, NamedTuple, Sequence

import numpy as np
import onnx
from onnx import AttributeProto, helper

from refrt import registry
from refrt.device import HOST_INPUTS, METADATA_OPS, holds
from refrt.errors import Fail, InvalidGraph, NotImplemented
from refrt.ir import Graph, Node
from refrt.once import BuildOnce
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
    n_slots: int = 0  # slots the plan uses (transfer copies may extend the graph's template)


HOST, DEVICE = "host", "device"
MEMCPY = {DEVICE: "MemcpyFromHost", HOST: "MemcpyToHost"}  # by the side a copy goes to


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

    def __init__(self, graph: Graph, providers: Sequence[Provider], device=None):
        self.graph = graph
        self.providers = list(providers)
        # the device of the list's device provider (refrt.device.Device); None: everything on the host
        self.device = device if any(p.device != "CPU" for p in self.providers) else None
        self.slots: dict[str, int] = {"": ABSENT}
        names = [vi.name for vi in graph.inputs] + list(graph.initializers) + graph.outer_refs
        for name in names:
            self._slot(name)
        self._host_providers = [p for p in self.providers if p.device == "CPU"]
        self._host_preferred = _host_preferred_nodes(graph) if self.device is not None else frozenset()
        self.nodes = tuple(self._compile(node) for node in graph.nodes)
        template = [None] * len(self.slots)
        for name, tensor in graph.initializers.items():
            array = tensor if isinstance(tensor, np.ndarray) else _initializer_array(name, tensor)
            array.flags.writeable = False  # constants are shared across runs and threads
            template[self.slots[name]] = array
        self.template = template
        self.device_nodes = frozenset(
            i for i, cn in enumerate(self.nodes) if self.device is not None and self._on_device(cn.provider)
        )
        self.uploaded: dict[str, int] = {}  # initializer -> slot of its device copy
        if self.device is not None:
            self._upload_initializers()
        self.producer = {o: i for i, cn in enumerate(self.nodes) for o in cn.node.outputs if o}
        # Values a node may overwrite in place (refrt/passes/mark_inplace.py): not fetchable here.
        self.overwritten = frozenset(
            cn.node.inputs[0] for cn in self.nodes
            if "inplace" in cn.node.attributes and cn.node.attributes["inplace"].i and cn.node.inputs
        )
        self._plans = BuildOnce(limit=64)  # plans by (outputs[, device feeds, device fetches])

    def _on_device(self, provider: str) -> bool:
        return any(p.name == provider and p.device != "CPU" for p in self.providers)

    def _upload_initializers(self) -> None:
        """Device copies of the initializers device nodes read, made once (session creation)."""
        for i in sorted(self.device_nodes):
            node = self.nodes[i].node
            for k, name in enumerate(node.inputs):
                if name in self.graph.initializers and name not in self.uploaded and k not in HOST_INPUTS.get(node.op_type, ()):
                    slot = self._slot(f"\0{DEVICE}:{name}")
                    self.template.extend([None] * (len(self.slots) - len(self.template)))
                    self.template[slot] = self.device.upload(self.template[self.slots[name]], kind="initializers")
                    self.uploaded[name] = slot

    def _slot(self, name: str) -> int:
        if name not in self.slots:
            self.slots[name] = len(self.slots)
        return self.slots[name]

    def _compile(self, node: Node) -> CompiledNode:
        if (node.domain, node.op_type) == ("ai.onnx.preview.training", "Gradient"):
            from refrt.gradient import gradient_graph

            body = CompiledGraph(gradient_graph(self.graph, node), self.providers, self.device)
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
        return _FunctionCall(CompiledGraph(graph, self.providers, self.device), formal[: len(node.outputs)])

    def _device_types(self, node: Node) -> bool:
        """Whether the device can hold every tensor the node reads and writes, as far as the types are
        known: a node with a bfloat16 / float8 / int4 / string tensor runs on the host (onnxruntime's CUDA
        kernels are registered per type, and a node whose type has none falls back to the CPU the same way)."""
        for name in (*node.inputs, *node.outputs):
            t = self._type_of(name) if name else None
            if t is not None and t.HasField("tensor_type") and t.tensor_type.elem_type:
                elem = t.tensor_type.elem_type
                if elem == onnx.TensorProto.STRING or not holds(helper.tensor_dtype_to_np_dtype(elem)):
                    return False
        return True

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
        host = node.index in self._host_preferred or (self.device is not None and not self._device_types(node))
        providers = self._host_providers if host else self.providers
        if not node.subgraphs:
            fn, entry = bind_node(node, self.graph.opsets, providers)
            inputs = tuple(self._slot(n) if n else ABSENT for n in node.inputs)
            return CompiledNode(fn, inputs, self._output_slots(node), node, entry.provider, entry)
        entry, version = resolve(node, self.graph.opsets, providers)
        attrs = bind_attributes(node, entry, version)
        for name, sub in node.subgraphs.items():
            attrs[name] = (
                [CompiledGraph(g, self.providers, self.device) for g in sub]
                if isinstance(sub, list)
                else CompiledGraph(sub, self.providers, self.device)
            )
        inputs = [self._slot(n) if n else ABSENT for n in node.inputs]
        fn = _WithOuterScope(entry.fn, attrs, len(inputs), tuple(node.implicit_inputs))
        inputs += [self._slot(n) for n in node.implicit_inputs]
        return CompiledNode(fn, tuple(inputs), self._output_slots(node), node, entry.provider, entry)

    def _output_slots(self, node: Node) -> tuple[int, ...]:
        # An omitted output still gets a slot of its own, released right after the node.
        return tuple(self._slot(n) if n else self._slot(f"\0{node.index}:{i}") for i, n in enumerate(node.outputs))

    def plan_for(self, outputs: Sequence[str], device_feeds: frozenset = frozenset(),
                 device_fetches: frozenset = frozenset()) -> Plan:
        """The steps that compute ``outputs`` (names already validated), with release points.

        ``device_feeds``: inputs fed as device arrays; ``device_fetches``: outputs to leave on the device
        (IOBinding). Both only matter with a device provider."""
        key = (tuple(outputs), device_feeds, device_fetches) if self.device is not None else tuple(outputs)
        return self._plans.get(key, lambda: self._build_plan(tuple(outputs), device_feeds, device_fetches))

    def _build_plan(self, outputs: tuple[str, ...], device_feeds: frozenset = frozenset(),
                    device_fetches: frozenset = frozenset()) -> Plan:
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
        if self.device is None:
            raw = [(cn.fn, cn.inputs, cn.outputs, cn.node, cn.provider) for cn in (self.nodes[i] for i in order)]
            output_slots = tuple(self.slots[o] for o in outputs)
        else:
            raw, output_slots = self._with_transfers(order, outputs, device_feeds, device_fetches)
        keep = set(output_slots)
        produced = {s for r in raw for s in r[2]}
        last_use: dict[int, int] = {}
        for pos, r in enumerate(raw):
            for s in r[2]:
                last_use.setdefault(s, pos)  # never read: release right away
            for s in r[1]:
                if s in produced:
                    last_use[s] = pos
        frees: dict[int, list[int]] = {}
        for s, pos in last_use.items():
            if s not in keep:
                frees.setdefault(pos, []).append(s)
        steps = tuple(
            Step(fn, inputs, outs, tuple(frees.get(pos, ())), len(outs) == 1, node, provider)
            for pos, (fn, inputs, outs, node, provider) in enumerate(raw)
        )
        return Plan(steps, output_slots, len(self.slots))

    def _with_transfers(self, order: list[int], outputs: tuple[str, ...], device_feeds: frozenset,
                        device_fetches: frozenset) -> tuple[list, tuple[int, ...]]:
        """The nodes in ``order`` with a copy step before each read of a value on the other side."""
        device = self.device
        device_provider = next(p.name for p in self.providers if p.device != "CPU")
        names = {slot: name for name, slot in self.slots.items()}
        where: dict[str, dict[str, int]] = {}  # value -> {side: slot holding it there}
        for vi in self.graph.inputs:
            where[vi.name] = {DEVICE if vi.name in device_feeds else HOST: self.slots[vi.name]}
        for name in self.graph.initializers:
            where[name] = {HOST: self.slots[name]}
            if name in self.uploaded:
                where[name][DEVICE] = self.uploaded[name]
        for name in self.graph.outer_refs:
            where.setdefault(name, {HOST: self.slots[name]})
        raw: list = []

        def on(side: str, name: str) -> int:
            """The slot of ``name`` on ``side``, adding the copy step that puts it there if needed."""
            have = where.setdefault(name, {HOST: self.slots[name]})
            if side not in have:
                source = next(iter(have.values()))
                target = self._slot(f"\0{side}:{name}")
                op = MEMCPY[side]
                copy = Node(-1, f"{op}_{name}", op, "", [name], [f"\0{side}:{name}"], {})
                fn = device.upload if side == DEVICE else device.download
                raw.append((fn, (source,), (target,), copy, device_provider))
                have[side] = target
            return have[side]

        for i in order:
            cn = self.nodes[i]
            side = DEVICE if i in self.device_nodes else HOST
            host_args = HOST_INPUTS.get(cn.node.op_type, ()) if side == DEVICE else ()
            inputs = []
            for k, slot in enumerate(cn.inputs):
                name = names[slot]
                if slot == ABSENT:
                    inputs.append(slot)
                elif cn.node.op_type in METADATA_OPS and cn.kernel is not None and cn.node.domain == "":
                    inputs.append(next(iter(where.setdefault(name, {HOST: slot}).values())))  # reads .shape only
                else:
                    inputs.append(on(HOST if k in host_args else side, name))
            fn = _DeviceKernel(cn.fn, device) if side == DEVICE else cn.fn
            raw.append((fn, tuple(inputs), cn.outputs, cn.node, cn.provider))
            for name in cn.node.outputs:
                if name:
                    where[name] = {side: self.slots[name]}
        output_slots = tuple(on(DEVICE if o in device_fetches else HOST, o) for o in outputs)
        return raw, output_slots

class _DeviceKernel:
    """A device node's kernel: a host array it returns (a kernel that left the device) is uploaded
    after it and counted as an "implicit" copy, so the next device node still gets a device array."""

    __slots__ = ("fn", "device")

    def __init__(self, fn: Callable, device):
        self.fn = fn
        self.device = device

    def __call__(self, *args):
        result = self.fn(*args)
        if isinstance(result, tuple):
            return tuple(self._on_device(r) for r in result)
        return self._on_device(result)

    def _on_device(self, value):
        if value.__class__ is np.ndarray or isinstance(value, np.generic):
            return self.device.upload(value, kind="implicit")
        return value


def _host_preferred_nodes(graph: Graph) -> frozenset[int]:
    """Nodes onnxruntime would keep on the CPU next to a GPU: small shape arithmetic. A node is kept on
    the host when its outputs feed only shape inputs (HOST_INPUTS) or other host-preferred nodes, and
    all its inputs are host values (initializers, Shape/Size outputs, other host-preferred outputs)."""
    consumers: dict[str, list[tuple[Node, int]]] = {}
    for node in graph.nodes:
        for k, name in enumerate(node.inputs):
            consumers.setdefault(name, []).append((node, k))
    graph_outputs = {vi.name for vi in graph.outputs}
    host_values = set(graph.initializers)
    preferred: set[int] = set()
    candidates = [n for n in graph.nodes if n.domain == "" and not n.subgraphs]
    for node in candidates:  # forward: inputs all on the host
        if node.op_type in METADATA_OPS:  # always on the host: they read only the input's shape
            preferred.add(node.index)
            host_values.update(o for o in node.outputs if o)
        elif node.inputs and all(not n or n in host_values for n in node.inputs):
            preferred.add(node.index)
            host_values.update(o for o in node.outputs if o)
    changed = True
    while changed:  # backward: drop those whose outputs something other than a shape input reads
        changed = False
        for node in candidates:
            if node.index not in preferred or node.op_type in METADATA_OPS:
                continue
            for name in node.outputs:
                uses = consumers.get(name, [])
                if name in graph_outputs or any(
                    c.index not in preferred and c.op_type not in METADATA_OPS
                    and k not in HOST_INPUTS.get(c.op_type, ()) for c, k in uses
                ):
                    preferred.discard(node.index)
                    changed = True
                    break
    return frozenset(preferred)


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
