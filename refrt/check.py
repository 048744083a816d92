"""Model validation with onnx's own checker and shape inference, reported in onnxruntime's words."""

from __future__ import annotations

import re

import onnx
from onnx.checker import ValidationError
from onnx.shape_inference import InferenceError

from refrt.errors import Fail, InvalidGraph
from refrt.ir import Graph

_NODE_CONTEXT = re.compile(r"Bad node spec for node\. Name: (.*) OpType: (\S*)")
_INFER_OP = re.compile(r"\(op_type:([^,)]*)(?:, node name: ([^)]*))?\)")
_PROTOBUF_LIMIT = 2**31 - 1


def check_model(model: onnx.ModelProto, graph: Graph) -> onnx.ModelProto | None:
    """Check the (topologically sorted) model; return it with inferred value types, or None if too large."""
    if model.ByteSize() > _PROTOBUF_LIMIT:
        return None  # onnx's Python checker cannot take models over 2 GB; nodes are still resolved by schema
    # onnx's checker wants a shape on every main-graph input and output; onnxruntime (and refrt)
    # accept tensors of unknown rank, so the checker sees an empty shape there, restored afterwards.
    unshaped = [
        vi.type.tensor_type
        for vi in [*model.graph.input, *model.graph.output]
        if vi.type.HasField("tensor_type") and not vi.type.tensor_type.HasField("shape")
    ]
    for t in unshaped:
        t.shape.SetInParent()
    try:
        onnx.checker.check_model(model)
    except ValidationError as e:
        raise InvalidGraph(_describe_validation_error(str(e), graph)) from None
    finally:
        for t in unshaped:
            t.ClearField("shape")
    try:
        return onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
    except InferenceError as e:
        raise Fail(_describe_inference_error(str(e))) from None


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
    if "type" in text.lower():
        return f"Type Error: {text} in node ({name}) of Optype ({op})."
    return f"Node ({name}) Op ({op}) {text}"
