"""Schema function bodies: an op with no kernel but a body in its ONNX schema runs that body.

The body (a FunctionProto from ``onnx.defs``, context-dependent ones built for the node's input
types) becomes a small graph whose attribute references are settled once, here, from the node.
"""

from __future__ import annotations

import onnx
from onnx import helper

from refrt.ir import Graph, Node, build_graph


def function_body(node: Node, opset: int, input_types: list[onnx.TypeProto | None]) -> onnx.FunctionProto | None:
    from refrt.plan import schema_for

    schema = schema_for(node.op_type, opset, node.domain)
    if schema is None:
        return None
    if schema.has_function:
        versions = [v for v in schema.function_opset_versions if v <= opset]
        if versions:
            return onnx.FunctionProto.FromString(schema.get_function_with_opset_version(max(versions)))
    if schema.has_context_dependent_function and all(t is not None for t in input_types):
        versions = [v for v in schema.context_dependent_function_opset_versions if v <= opset]
        if versions:
            proto = onnx.NodeProto(op_type=node.op_type, domain=node.domain, input=node.inputs, output=node.outputs)
            proto.attribute.extend(node.attributes.values())
            data = schema.get_context_dependent_function_with_opset_version(
                max(versions), proto.SerializeToString(), [t.SerializeToString() for t in input_types]
            )
            if data:
                return onnx.FunctionProto.FromString(data)
    return None


def body_graph(node: Node, function: onnx.FunctionProto, opsets: dict[str, int]) -> Graph:
    """The function body as a graph over the function's formal inputs and the outputs it defines.

    Attribute references take the node's value, else the function's default, else the schema's.
    """
    from refrt.plan import schema_for

    schema = schema_for(node.op_type, opsets.get(node.domain, 1), node.domain)
    defaults = {
        name: a.default_value for name, a in (schema.attributes.items() if schema else ())
        if a.default_value.type != onnx.AttributeProto.UNDEFINED
    }
    defaults.update({a.name: a for a in function.attribute_proto})
    nodes = []
    for body_node in function.node:
        copy = onnx.NodeProto()
        copy.CopyFrom(body_node)
        _bind_attribute_refs(copy, node.attributes, defaults)
        nodes.append(copy)
    # A context-dependent body may leave optional outputs the node does not use undefined.
    defined = set(function.input) | {o for n in nodes for o in n.output}
    graph = helper.make_graph(
        nodes,
        f"{node.op_type}_body",
        [onnx.ValueInfoProto(name=n) for n in function.input],
        [onnx.ValueInfoProto(name=n) for n in function.output if n in defined],
    )
    # The body's own opset imports, over the model's for domains it does not name.
    body_opsets = {**opsets, **{("" if o.domain == "ai.onnx" else o.domain): o.version for o in function.opset_import}}
    return build_graph(graph, body_opsets, outer_scope=frozenset())


def _bind_attribute_refs(node: onnx.NodeProto, actual: dict, defaults: dict) -> None:
    bound = []
    for a in node.attribute:
        if a.ref_attr_name:
            source = actual.get(a.ref_attr_name) or defaults.get(a.ref_attr_name)
            if source is None:
                continue  # not given and no default: the attribute is absent in the body node
            value = onnx.AttributeProto()
            value.CopyFrom(source)
            value.name = a.name
            bound.append(value)
        else:
            if a.type == onnx.AttributeProto.GRAPH:
                for sub in a.g.node:
                    _bind_attribute_refs(sub, actual, defaults)
            bound.append(a)
    kept = [onnx.AttributeProto() for _ in bound]
    for dst, src in zip(kept, bound):
        dst.CopyFrom(src)
    del node.attribute[:]
    node.attribute.extend(kept)
