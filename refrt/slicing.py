"""Cutting a model down to the part that some of its values need: ``slice_model`` and ``refrt slice``.

    sliced = refrt.slice_model("model.onnx", outputs=["conv3_out"], inputs=["pool1_out"])
    refrt.save_sliced("model.onnx", "head.onnx", outputs=["conv3_out"])

Nodes are tracked by their position in the graph, never by name, so unnamed nodes and nodes that
share a name slice like any other. What is kept: the nodes on some path from a new output back to a
graph input, an initializer or a new input; the initializers, value_info and local functions those
nodes use (a node with an If/Loop/Scan body keeps the producers of the outer values the body reads);
opset imports, ir_version and metadata as they were. New outputs and inputs are typed from the model's
own declarations first, then from onnx's shape inference (strict where it can be, with data
propagation).

Large models. Protobuf refuses to serialize one message over 2 GB, so a model that size always keeps
its weights in external data files. Given a path, ``slice_model`` reads only the graph (never the
external tensors) and the sliced model keeps referring to the files it still needs, by their
locations relative to the model's folder; ``save_sliced`` writes the model beside those files, or
copies just the bytes of the tensors it kept into ``<output>.data`` beside a model saved elsewhere,
one tensor at a time. A sliced in-memory model whose tensors pass the limit is saved with external
data too. No file outside the source model's folder is read.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Iterable, Sequence

import onnx
from onnx import external_data_helper, helper, shape_inference

from refrt.errors import InvalidArgument
from refrt.ir import topological_order
from refrt.loader import external_source
from refrt.types import shape_of, type_string

# Protobuf's hard limit on one serialized message; a model near it must use external data.
PROTOBUF_LIMIT = 2**31
# In the copy given to shape inference, tensors larger than this keep their type and dims only.
_INFERENCE_DATA_LIMIT = 1 << 16
_COPY_CHUNK = 1 << 24


# ----------------------------------------------------------------------------------------------
# Public API


def slice_model(model, outputs: Sequence[str], inputs: Sequence[str] | None = None) -> onnx.ModelProto:
    """The part of ``model`` (a ModelProto or a path) that computes ``outputs``.

    ``inputs`` (names of graph inputs or intermediate values) cut the graph there: they become the
    new graph's inputs and what produces them is dropped. Without ``inputs`` the new graph's inputs
    are the original inputs the outputs depend on.

    Raises InvalidArgument listing every offender for names the main graph does not define, for
    inputs that leave a path from an original graph input (or from a value nothing defines) to the
    outputs uncut, and for a new input whose type cannot be found. A model given as a path keeps its
    external data as references, relative to the model's folder (see the module's docstring).
    """
    source, _ = _read(model)
    return _Slicer(source).slice(list(outputs), None if inputs is None else list(inputs))


def save_sliced(
    model,
    path: str | os.PathLike,
    outputs: Sequence[str],
    inputs: Sequence[str] | None = None,
    *,
    external_data: bool | None = None,
) -> onnx.ModelProto:
    """Slice ``model`` as :func:`slice_model` does and write the result to ``path``.

    External data the sliced model still needs stays in the source files when ``path`` is in the
    source model's folder; elsewhere its bytes are copied (only the tensors kept) into
    ``<path>.data``. ``external_data``: None writes in-memory tensors to ``<path>.data`` only when
    the model would pass protobuf's 2 GB limit; True always (tensors of 1 KiB and more); False never.
    Returns the model as written (external tensors as references).
    """
    source, base_dir = _read(model)
    sliced = _Slicer(source).slice(list(outputs), None if inputs is None else list(inputs))
    _write(sliced, path, base_dir, external_data=external_data)
    return sliced


def _write(model: onnx.ModelProto, path, base_dir: str | None, *, external_data: bool | None = None) -> None:
    """Write ``model`` (whose external data lives under ``base_dir``) so that it loads from ``path``."""
    path = os.path.abspath(os.fspath(path))
    out_dir = os.path.dirname(path)
    os.makedirs(out_dir, exist_ok=True)
    data_name = os.path.basename(path) + ".data"
    data_path = os.path.join(out_dir, data_name)
    external = _external_tensors(model)
    if external and base_dir is None:
        raise InvalidArgument(
            f"Model uses external data (tensor '{external[0].name}') but came without its folder; "
            "slice it from its file path so the data can be found next to it"
        )
    same_folder = base_dir is not None and Path(base_dir).resolve() == Path(out_dir).resolve()
    if same_folder:
        read = {external_source(t, Path(base_dir).resolve())[0] for t in external}  # never outside the folder
        if Path(data_path).resolve() in read or Path(path).resolve() in read:
            raise InvalidArgument(
                f"Cannot write '{path}': it or its data file '{data_name}' is a file the sliced model still "
                "reads; choose another output name"
            )
    in_memory = [t for t in external_data_helper._get_initializer_tensors(model) if t.HasField("raw_data")]
    if external_data is None:
        # Everything in memory counts towards the one message protobuf must serialize.
        total = sum(t.ByteSize() for t in external_data_helper._get_all_tensors(model) if not _is_external(t))
        external_data = total + 16 * 2**20 >= PROTOBUF_LIMIT
    to_external = [t for t in in_memory if len(t.raw_data) >= 1024] if external_data else []
    copies = bool(external) and not same_folder
    if (copies or to_external) and os.path.exists(data_path):
        os.remove(data_path)  # onnx appends to an existing data file
    if copies:
        _copy_external_data(external, Path(base_dir).resolve(), data_path, data_name)
    for t in to_external:
        external_data_helper.set_external_data(t, data_name)  # onnx.save_model writes (appends) these
    onnx.save_model(model, path)


# ----------------------------------------------------------------------------------------------
# Reading


def _read(model) -> tuple[onnx.ModelProto, str | None]:
    """The model without its external data loaded, and the folder that data is relative to."""
    if isinstance(model, onnx.ModelProto):
        return model, None
    if isinstance(model, (str, os.PathLike)):
        path = os.fspath(model)
        if not os.path.isfile(path):
            raise NoSuchFile(f"Load model from {path} failed:Load model {path} failed. File doesn't exist")
        return onnx.load(path, load_external_data=False), os.path.dirname(os.path.abspath(path))
    raise TypeError(f"Unable to slice a '{type(model).__name__}': expected a path or an onnx.ModelProto")


def _is_external(t: onnx.TensorProto) -> bool:
    return external_data_helper.uses_external_data(t) and not t.HasField("raw_data")


def _external_tensors(model: onnx.ModelProto) -> list[onnx.TensorProto]:
    return [t for t in external_data_helper._get_all_tensors(model) if _is_external(t)]


def _copy_external_data(tensors: list[onnx.TensorProto], root: Path, data_path: str, data_name: str) -> None:
    """Copy each tensor's bytes into ``data_path`` (streamed, never all in memory) and point it there."""
    sources = [external_source(t, root) for t in tensors]  # every check before the first write
    with open(data_path, "wb") as out:
        for t, (src, offset, length) in zip(tensors, sources):
            pad = -out.tell() % 64  # aligned, as onnx aligns tensors that share a file
            out.write(b"\0" * pad)
            start = out.tell()
            with open(src, "rb") as f:
                f.seek(offset)
                left = length
                while left:
                    chunk = f.read(min(left, _COPY_CHUNK))
                    if not chunk:
                        raise InvalidArgument(f"External data for tensor '{t.name}' ended early in '{src.name}'")
                    out.write(chunk)
                    left -= len(chunk)
            _point_to(t, data_name, start, length)


def _point_to(t: onnx.TensorProto, location: str, offset: int | None = None, length: int | None = None) -> None:
    """Make ``t`` refer to external data (onnx's set_external_data insists on raw_data being present)."""
    del t.external_data[:]
    for key, value in (("location", location), ("offset", offset), ("length", length)):
        if value is not None:
            entry = t.external_data.add()
            entry.key, entry.value = key, str(value)
    t.data_location = onnx.TensorProto.EXTERNAL


# ----------------------------------------------------------------------------------------------
# Walking the graph


def _subgraphs(node: onnx.NodeProto) -> Iterable[onnx.GraphProto]:
    for a in node.attribute:
        if a.type == onnx.AttributeProto.GRAPH:
            yield a.g
        elif a.type == onnx.AttributeProto.GRAPHS:
            yield from a.graphs


def outer_refs(graph: onnx.GraphProto) -> list[str]:
    """Names ``graph`` (a subgraph) reads from the scopes around it, nested subgraphs included."""
    defined = {vi.name for vi in graph.input} | {t.name for t in graph.initializer}
    defined |= {s.values.name for s in graph.sparse_initializer}
    for node in graph.node:
        defined.update(o for o in node.output if o)
    refs: dict[str, None] = {}
    for node in graph.node:
        for name in (*node.input, *node_outer_refs(node)):
            if name and name not in defined:
                refs[name] = None
    for vi in graph.output:
        if vi.name not in defined:
            refs[vi.name] = None
    return list(refs)


def node_outer_refs(node: onnx.NodeProto) -> list[str]:
    """Names a node reads beyond its inputs: what its subgraphs take from the graph the node is in,
    and the value a training Gradient node differentiates (named by its ``y`` attribute)."""
    refs = [r for g in _subgraphs(node) for r in outer_refs(g)]
    if node.op_type == "Gradient" and node.domain == "ai.onnx.preview.training":
        refs += [a.s.decode() for a in node.attribute if a.name == "y"]
    return list(dict.fromkeys(refs))


def _all_nodes(nodes: Iterable[onnx.NodeProto]) -> Iterable[onnx.NodeProto]:
    for node in nodes:
        yield node
        for g in _subgraphs(node):
            yield from _all_nodes(g.node)


def _function_key(f) -> tuple[str, str, str]:
    return (f.domain, f.name, getattr(f, "overload", ""))


def _used_functions(model: onnx.ModelProto, nodes: list[onnx.NodeProto]) -> list[onnx.FunctionProto]:
    """The local functions the nodes call, and those their bodies call, in the model's order."""
    by_key = {_function_key(f): f for f in model.functions}
    used: set[tuple[str, str, str]] = set()
    stack = list(nodes)
    while stack:
        for node in _all_nodes([stack.pop()]):
            key = (node.domain, node.op_type, getattr(node, "overload", ""))
            if key in by_key and key not in used:
                used.add(key)
                stack.extend(by_key[key].node)
    return [f for f in model.functions if _function_key(f) in used]


def _tensor_type(t: onnx.TensorProto) -> onnx.TypeProto:
    return helper.make_tensor_type_proto(t.data_type, list(t.dims))


class _Slicer:
    """One model's names, producers and types; :meth:`slice` builds each sliced copy."""

    def __init__(self, model: onnx.ModelProto):
        self.model = model
        g = model.graph
        self.graph = g
        self.initializers = {t.name: t for t in g.initializer}
        self.sparse = {s.values.name: s for s in g.sparse_initializer}
        self.graph_inputs = {vi.name: vi for vi in g.input}
        self.graph_outputs = {vi.name: vi for vi in g.output}
        self.producer: dict[str, int] = {}
        for i, node in enumerate(g.node):
            for o in node.output:
                if o:
                    self.producer.setdefault(o, i)
        self._types: dict[str, onnx.TypeProto] | None = None

    # -- names and types -------------------------------------------------------------------
    def defines(self, name: str) -> bool:
        return name in self.producer or name in self.graph_inputs or name in self.initializers or name in self.sparse

    def types(self) -> dict[str, onnx.TypeProto]:
        """Every main-graph value's type: shape inference's (which merges in what the model declares),
        else the model's declarations; an initializer's from its tensor."""
        if self._types is None:
            g = self.graph
            types = {vi.name: vi.type for vi in (*g.value_info, *g.output, *g.input) if vi.type.WhichOneof("value")}
            types.update({vi.name: vi.type for vi in _inferred(self.model) if vi.type.WhichOneof("value")})
            types.update({n: _tensor_type(t) for n, t in self.initializers.items()})
            types.update({n: _tensor_type(s.values) for n, s in self.sparse.items()})
            # A graph input keeps its declared type (it is the interface), initializer-backed ones included.
            types.update({vi.name: vi.type for vi in g.input if vi.type.WhichOneof("value")})
            self._types = types
        return self._types

    def value_info(self, name: str) -> onnx.ValueInfoProto | None:
        t = self.types().get(name)
        if t is None:
            return None
        return helper.make_value_info(name, t)

    # -- slicing ---------------------------------------------------------------------------
    def slice(self, outputs: list[str], inputs: list[str] | None) -> onnx.ModelProto:
        for what, names in (("output", outputs), ("input", inputs or [])):
            if not all(isinstance(n, str) for n in names):
                raise TypeError(f"{what} names must be strings, got {names!r}")
            dupes = sorted({n for n in names if names.count(n) > 1})
            if dupes:
                raise InvalidArgument(f"Duplicate {what} names: {dupes}")
        if not outputs:
            raise InvalidArgument("No outputs given: name at least one value to slice the model at")
        unknown_out = [n for n in outputs if not self.defines(n)]
        unknown_in = [n for n in (inputs or []) if not self.defines(n)]
        if unknown_out or unknown_in:
            raise InvalidArgument(
                _joined((unknown_out, f"Invalid output names: {unknown_out}"),
                        (unknown_in, f"Invalid input names: {unknown_in}"))
                + ". Each must be a graph input, an initializer or a node output of the "
                "main graph (names inside If/Loop/Scan bodies cannot be cut)"
            )

        cut = set(inputs or [])
        kept_nodes: set[int] = set()
        kept_inits: dict[str, None] = {}
        reached_inputs: dict[str, None] = {}
        undefined: dict[str, None] = {}
        seen: set[str] = set()
        stack = list(reversed(outputs))
        while stack:
            name = stack.pop()
            if not name or name in seen:
                continue
            seen.add(name)
            if name in cut:
                continue
            if name in self.initializers or name in self.sparse:
                kept_inits[name] = None
                if name in self.graph_inputs and self.model.ir_version < 4:
                    reached_inputs[name] = None  # before IR 4 every initializer is listed as an input
            elif name in self.graph_inputs:
                reached_inputs[name] = None
            elif name in self.producer:
                i = self.producer[name]
                if i not in kept_nodes:
                    kept_nodes.add(i)
                    node = self.graph.node[i]
                    stack.extend(reversed([*node.input, *node_outer_refs(node)]))
            else:
                undefined[name] = None

        if inputs is not None:
            # Original inputs reached past the cut (an initializer-backed input has a value; not an offender).
            uncut = [n for n in reached_inputs if n not in self.initializers]
            if uncut or undefined:
                raise InvalidArgument(
                    f"The inputs {inputs} do not cut every path to the outputs {outputs}: "
                    + _joined((uncut, f"graph inputs {uncut} still reach the outputs"),
                              (undefined, f"values {list(undefined)} that nothing defines still reach the outputs"))
                    + ". Add those names (or values on their paths) to the inputs"
                )
            clashes = [
                f"'{o}' (also an output of node #{i} {self.graph.node[i].op_type}, which the outputs need)"
                for i in sorted(kept_nodes) for o in self.graph.node[i].output if o in cut
            ]
            if clashes:
                raise InvalidArgument(
                    "Cannot cut at inputs another kept node produces: " + ", ".join(clashes)
                    + ". Cut at that node's inputs instead"
                )
        elif undefined:
            raise InvalidArgument(
                f"Invalid model. Values {list(undefined)} are not a graph input, initializer, or output of "
                f"any node, yet the outputs {outputs} read them"
            )
        return self._build(outputs, inputs, kept_nodes, kept_inits, reached_inputs)

    def _build(self, outputs, inputs, kept_nodes, kept_inits, reached_inputs) -> onnx.ModelProto:
        src, g = self.model, self.graph
        new_inputs = []
        if inputs is None:
            new_inputs = [vi for vi in g.input if vi.name in reached_inputs]
        else:
            untyped = []
            for name in inputs:
                vi = self.value_info(name)
                if vi is None:
                    untyped.append(name)
                else:
                    new_inputs.append(vi)
            if untyped:
                raise InvalidArgument(
                    f"Cannot find the types of the new inputs {untyped}: neither the model nor shape inference "
                    "gives them (add value_info for them to the model)"
                )
            if src.ir_version < 4:
                new_inputs += [vi for vi in g.input if vi.name in kept_inits and vi.name not in set(inputs)]
        cut = set(inputs or [])
        new_outputs = []
        for name in outputs:
            vi = self.value_info(name)
            new_outputs.append(vi if vi is not None else helper.make_empty_tensor_value_info(name))

        nodes = [g.node[i] for i in _topological(g.node, kept_nodes)]
        names = {o for n in nodes for o in n.output} - {vi.name for vi in new_outputs} - cut
        graph = onnx.GraphProto()
        graph.name = g.name
        graph.doc_string = g.doc_string
        graph.node.extend(nodes)
        graph.input.extend(new_inputs)
        graph.output.extend(new_outputs)
        graph.initializer.extend(t for t in g.initializer if t.name in kept_inits and t.name not in cut)
        graph.sparse_initializer.extend(s for s in g.sparse_initializer if s.values.name in kept_inits)
        graph.value_info.extend(vi for vi in g.value_info if vi.name in names)
        graph.metadata_props.extend(g.metadata_props)

        out = onnx.ModelProto()
        for field in ("ir_version", "producer_name", "producer_version", "domain", "model_version", "doc_string"):
            setattr(out, field, getattr(src, field))
        out.opset_import.extend(src.opset_import)
        out.metadata_props.extend(src.metadata_props)
        out.functions.extend(_used_functions(src, nodes))
        out.graph.CopyFrom(graph)
        return out


def _joined(*parts: tuple[Sequence | dict, str]) -> str:
    """The texts of the ``(offenders, text)`` parts that have offenders, joined by "; " (one message for all)."""
    return "; ".join(text for offenders, text in parts if offenders)


def _topological(nodes, kept: set[int]) -> list[int]:
    """The kept positions in an order where producers come first; file order breaks ties."""
    produced = {}
    for i in kept:
        for o in nodes[i].output:
            if o:
                produced[o] = i
    consumers: dict[int, list[int]] = {i: [] for i in kept}
    indegree = dict.fromkeys(kept, 0)
    for i in kept:
        deps = {produced[n] for n in (*nodes[i].input, *node_outer_refs(nodes[i])) if n in produced} - {i}
        indegree[i] = len(deps)
        for d in deps:
            consumers[d].append(i)
    order = topological_order(consumers, indegree)
    if len(order) != len(kept):  # a cycle: keep file order and let the runtime say so
        return sorted(kept)
    return order


def _inferred(model: onnx.ModelProto) -> list[onnx.ValueInfoProto]:
    """Shape inference's value_info on a copy whose large tensors hold no data (below protobuf's limit).

    Strict first (with data propagation); a model strict inference rejects (an unknown custom op,
    a declared type it disagrees with) gets the lenient pass, which types what it can.
    """
    skeleton = onnx.ModelProto()
    for field in ("ir_version", "producer_name", "producer_version", "domain", "model_version"):
        setattr(skeleton, field, getattr(model, field))
    skeleton.opset_import.extend(model.opset_import)
    skeleton.functions.extend(model.functions)
    g, sg = model.graph, skeleton.graph
    sg.name = g.name
    sg.node.extend(g.node)
    sg.input.extend(g.input)
    sg.output.extend(g.output)
    sg.value_info.extend(g.value_info)
    sg.sparse_initializer.extend(g.sparse_initializer)
    for t in g.initializer:
        if t.ByteSize() <= _INFERENCE_DATA_LIMIT or _is_external(t):
            sg.initializer.append(t)
        else:
            stub = sg.initializer.add()
            stub.name, stub.data_type = t.name, t.data_type
            stub.dims.extend(t.dims)
            _point_to(stub, "refrt-type-only")  # type and dims, no data
    for strict in (True, False):
        try:
            inferred = shape_inference.infer_shapes(skeleton, check_type=strict, strict_mode=strict, data_prop=True)
        except Exception:  # noqa: BLE001 - onnx raises several kinds; the lenient pass follows
            continue
        ig = inferred.graph
        return [*ig.value_info, *ig.input, *ig.output]
    return []


# ----------------------------------------------------------------------------------------------
# The command


def _names(text: str) -> list[str]:
    return [n.strip() for n in text.split(",") if n.strip()]


def cmd_slice(args: argparse.Namespace) -> int:
    inputs = _names(args.inputs) if args.inputs is not None else None
    source, base_dir = _read(args.model)
    sliced = _Slicer(source).slice(_names(args.outputs), inputs)
    _write(sliced, args.output, base_dir, external_data={"auto": None, "always": True, "never": False}[args.external_data])
    g = sliced.graph
    print(f"model: {args.model}: kept {len(g.node)} of {len(source.graph.node)} nodes, "
          f"{len(g.initializer)} of {len(source.graph.initializer)} initializers, "
          f"{len(sliced.functions)} of {len(source.functions)} local functions")
    inits = {t.name for t in g.initializer}
    for what, values in (("inputs", [vi for vi in g.input if vi.name not in inits]), ("outputs", list(g.output))):
        print(f"{what}:")
        for vi in values:
            known = vi.type.WhichOneof("value")
            print(f"  {vi.name}: " + (f"{type_string(vi.type)} {shape_of(vi.type)}" if known else "type unknown"))
    external = {external_data_helper.ExternalDataInfo(t).location for t in _external_tensors(sliced)}
    print(f"written to {args.output}" + (f" (external data in {', '.join(sorted(external))})" if external else ""))
    return 0


def add_cli(sub) -> None:
    """``refrt slice MODEL -o OUT --outputs a,b [--inputs x,y]``."""
    p = sub.add_parser("slice", help="save the part of a model that computes the given values")
    p.add_argument("model")
    p.add_argument("-o", "--output", required=True, help="where the sliced model goes (.onnx)")
    p.add_argument("--outputs", required=True, metavar="A,B", help="comma-separated names of the new outputs")
    p.add_argument("--inputs", metavar="X,Y", help="comma-separated names to cut the graph at (the new inputs)")
    p.add_argument("--external-data", choices=("auto", "always", "never"), default="auto",
                   help="write tensors to OUT.data: only past protobuf's 2 GB limit (auto), always, or never")
    p.set_defaults(func=cmd_slice)


__all__ = ["slice_model", "save_sliced", "add_cli"]
