"""Model validation with onnx's own checker and shape inference, reported in onnxruntime's words."""

from __future__ import annotations

import math
import re
import warnings

import onnx
from onnx.checker import ValidationError
from onnx.shape_inference import InferenceError

from refrt.errors import Fail, InvalidGraph
from refrt.ir import Graph

_NODE_CONTEXT = re.compile(r"Bad node spec for node\. Name: (.*) OpType: (\S*)")
_INFER_OP = re.compile(r"\(op_type:([^,)]*)(?:, node name: ([^)]*))?\)")
_PROTOBUF_LIMIT = 2**31 - 1
_DEPRECATED = "is deprecated in domain_version"
_SMALL_CONSTANT = 4096  # elements: shapes, axes, scales and the like keep their values for inference


def check_model(model: onnx.ModelProto, graph: Graph) -> onnx.ModelProto | None:
    """Check the (topologically sorted) model; return it with inferred value types (None: unknown)."""
    skeleton = _skeleton(model)
    if skeleton.ByteSize() > _PROTOBUF_LIMIT:
        return None  # onnx's Python checker cannot take protos over 2 GB; nodes are still resolved by schema
    inferred, inference_error = None, None
    try:
        inferred = onnx.shape_inference.infer_shapes(skeleton, check_type=True, strict_mode=True)
    except InferenceError as e:
        inference_error = e
        if _only_shape_conflicts(str(e)):
            # A declared shape that the inferred one contradicts (skl2onnx declares [N, 1] for a
            # two-target regressor): onnxruntime warns and merges leniently; so does refrt, trusting
            # the inferred shapes over the declared ones.
            warnings.warn(f"Error merging shape info with the declared shapes ({_first_line(str(e))}). "
                          "Falling back to lenient merge.", stacklevel=4)
            try:
                inferred = onnx.shape_inference.infer_shapes(_without_declared_shapes(skeleton), check_type=True,
                                                             strict_mode=True)
                inference_error = None
            except InferenceError as again:
                inference_error = again
    candidate = inferred if inferred is not None else skeleton
    _relax_for_checker(candidate)
    try:
        onnx.checker.check_model(candidate)
    except ValidationError as e:
        # onnxruntime still runs deprecated revisions of the default domain (Upsample-10 ...) but
        # refuses those of ai.onnx.ml (TreeEnsembleClassifier/Regressor-5, replaced by TreeEnsemble)
        if _DEPRECATED not in str(e) or _deprecated_ml_node(str(e), graph) is not None:
            raise InvalidGraph(_describe_validation_error(str(e), graph)) from None
    if inference_error is not None:
        ops = _INFER_OP.findall(str(inference_error))
        if len({op for op, _ in ops}) > 1:
            # The error lies inside a function body or subgraph that onnx expanded for inference
            # (onnx's function-body inference has known gaps); kernels still check at run time.
            return None
        raise Fail(_describe_inference_error(str(inference_error))) from None
    return inferred


_SHAPE_CONFLICT = "Inferred shape and existing shape differ"


def _only_shape_conflicts(message: str) -> bool:
    """Every error onnx lists is a declared shape the inferred one contradicts (types agree)."""
    errors = [part for part in message.split("(op_type:")[1:]]
    return bool(errors) and all(_SHAPE_CONFLICT in part for part in errors)


def _first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else message


def _without_declared_shapes(model: onnx.ModelProto) -> onnx.ModelProto:
    """A copy whose graph outputs and value_info keep their element types but no shapes."""
    copy = onnx.ModelProto()
    copy.CopyFrom(model)
    for vi in (*copy.graph.output, *copy.graph.value_info):
        if vi.type.HasField("tensor_type") and vi.type.tensor_type.HasField("shape"):
            vi.type.tensor_type.ClearField("shape")
    return copy


def _skeleton(model: onnx.ModelProto) -> onnx.ModelProto:
    """The model as the checker and shape inference need it, without the bulk of its weights.

    Serialising hundreds of MB of weights twice (checker, inference) cost seconds at session creation.
    Inference reads the values of small constants (shapes, axes); a large initializer only needs its
    type and shape, which a graph input of that type and shape gives. Large weights are checked when
    the plan converts them (refrt.plan), with the same error class.
    """
    skeleton = onnx.ModelProto()
    skeleton.ir_version = model.ir_version
    skeleton.opset_import.extend(model.opset_import)
    skeleton.functions.extend(model.functions)
    g, src = skeleton.graph, model.graph
    g.name, g.doc_string = src.name, src.doc_string
    g.node.extend(src.node)
    g.input.extend(src.input)
    g.output.extend(src.output)
    g.value_info.extend(src.value_info)
    listed = {vi.name for vi in src.input}
    for t in src.initializer:
        if math.prod(t.dims) <= _SMALL_CONSTANT:
            g.initializer.append(t)
        elif t.name not in listed:
            g.input.append(onnx.helper.make_tensor_value_info(t.name, t.data_type, list(t.dims)))
    return skeleton


def _relax_for_checker(model: onnx.ModelProto) -> None:
    """What onnxruntime accepts and onnx's checker does not: main-graph tensors of unknown rank, and
    graph outputs left untyped (their types come from inference)."""
    for vi in [*model.graph.input, *model.graph.output]:
        if vi.type.HasField("tensor_type") and not vi.type.tensor_type.HasField("shape"):
            vi.type.tensor_type.shape.SetInParent()
    typed = [vi for vi in model.graph.output if vi.type.WhichOneof("value") is not None]
    if len(typed) != len(model.graph.output):
        kept = [onnx.ValueInfoProto() for _ in typed]
        for dst, src in zip(kept, typed):
            dst.CopyFrom(src)
        del model.graph.output[:]
        model.graph.output.extend(kept)


def _deprecated_ml_node(message: str, graph: Graph):
    """The ai.onnx.ml node whose deprecated revision the checker names, if that is what it names."""
    found = _NODE_CONTEXT.search(message)
    if not found:
        return None
    name, op = found.group(1).strip(), found.group(2)
    return next((n for n in graph.nodes if n.name == name and n.op_type == op and n.domain == "ai.onnx.ml"), None)


def _describe_validation_error(message: str, graph: Graph) -> str:
    first = message.strip().split("\n")[0]
    found = _NODE_CONTEXT.search(message)
    if found:
        name, op = found.group(1).strip(), found.group(2)
        for node in graph.nodes:
            if node.name == name and node.op_type == op:
                return f"This is an invalid model. In Node, {node.describe()} , Error {first}"
    return f"This is an invalid model. Error: {first}"


def _describe_inference_error(message: str) -> str:
    text = message.strip()
    found = _INFER_OP.search(text)
    op, name = (found.group(1), (found.group(2) or "")) if found else ("?", "")
    if re.search(r"\btype\b|\btypes\b", text.replace("op_type", "")):
        return f"Type Error: {text} in node ({name}) of Optype ({op})."
    return f"Node ({name}) Op ({op}) {text}"
