"""The graph IR: nodes in topological order, built once per session from the ModelProto.

Nodes are identified by their position in the file (``Node.index``), so unnamed or duplicate-named
nodes are fine. Subgraphs (If/Loop/Scan bodies) are Graphs too; the outer-scope values a node's
subgraphs read become the node's ``implicit_inputs``, so scheduling orders them correctly.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

import numpy as np
import onnx

from refrt.errors import InvalidArgument, InvalidGraph


@dataclass
class Node:
    index: int
    name: str
    op_type: str
    domain: str
    inputs: list[str]
    outputs: list[str]
    attributes: dict[str, onnx.AttributeProto]
    subgraphs: dict[str, "Graph | list[Graph]"] = field(default_factory=dict)
    implicit_inputs: list[str] = field(default_factory=list)

    def describe(self) -> str:
        """Node as onnxruntime prints it in errors: ("name", Op, "domain", -1) : (inputs) -> (outputs)."""
        ins = "".join(f'"{n}",' for n in self.inputs)
        outs = "".join(f'"{n}",' for n in self.outputs)
        return f'("{self.name}", {self.op_type}, "{self.domain}", -1) : ({ins}) -> ({outs})'


@dataclass
class Graph:
    name: str
    nodes: list[Node]  # topologically sorted
    inputs: list[onnx.ValueInfoProto]
    outputs: list[onnx.ValueInfoProto]
    initializers: dict[str, "onnx.TensorProto | np.ndarray"]  # arrays once a pass computed them
    value_info: dict[str, onnx.TypeProto]
    outer_refs: list[str]  # names this graph reads from enclosing graphs
    opsets: dict[str, int]

    def producers(self) -> dict[str, Node]:
        return {o: n for n in self.nodes for o in n.outputs if o}


def opsets_of(model: onnx.ModelProto) -> dict[str, int]:
    return {("" if o.domain == "ai.onnx" else o.domain): o.version for o in model.opset_import}


def build(model: onnx.ModelProto) -> Graph:
    """The IR of the model's main graph; also rewrites the model's node lists in topological order."""
    graph = build_graph(model.graph, opsets_of(model), outer_scope=frozenset())
    if model.ir_version < 4:
        # Before IR 4 every initializer is also listed as an input, and it is a constant, not an
        # input with a default (onnxruntime lets a feed override initializers only from IR 4).
        graph.inputs = [vi for vi in graph.inputs if vi.name not in graph.initializers]
    return graph


def topological_order(consumers: dict[int, list[int]], indegree: dict[int, int]) -> list[int]:
    """Kahn's algorithm over node positions; ties go to the lower position, so a sorted file keeps its order.

    ``consumers[i]`` lists the nodes that wait on node ``i``, ``indegree[i]`` counts the producers node ``i``
    waits on; it is counted down in place, so after a cycle the nodes left above 0 are the stuck ones
    (and the order returned is shorter than ``indegree``).
    """
    ready = [i for i, d in indegree.items() if d == 0]
    heapq.heapify(ready)
    order: list[int] = []
    while ready:
        i = heapq.heappop(ready)
        order.append(i)
        for c in consumers[i]:
            indegree[c] -= 1
            if indegree[c] == 0:
                heapq.heappush(ready, c)
    return order


def build_graph(gp: onnx.GraphProto, opsets: dict[str, int], outer_scope: frozenset) -> Graph:
    initializers = {t.name: t for t in gp.initializer}
    for sparse in gp.sparse_initializer:
        raise InvalidGraph(f"This is an invalid model. Sparse initializer '{sparse.values.name}' is not supported")
    defined = {vi.name for vi in gp.input} | set(initializers)
    produced: dict[str, int] = {}
    for i, np_ in enumerate(gp.node):
        for o in np_.output:
            if not o:
                continue
            if o in produced or o in defined:
                raise InvalidGraph(f"This is an invalid model. Duplicate definition of name ({o}).")
            produced[o] = i
    visible = outer_scope | defined | set(produced)

    nodes: list[Node] = []
    for i, np_ in enumerate(gp.node):
        subgraphs: dict = {}
        implicit: list[str] = []
        for a in np_.attribute:
            if a.type == onnx.AttributeProto.GRAPH:
                subgraphs[a.name] = build_graph(a.g, opsets, frozenset(visible))
                implicit += subgraphs[a.name].outer_refs
            elif a.type == onnx.AttributeProto.GRAPHS:
                subgraphs[a.name] = [build_graph(g, opsets, frozenset(visible)) for g in a.graphs]
                implicit += [r for g in subgraphs[a.name] for r in g.outer_refs]
        nodes.append(
            Node(
                index=i,
                name=np_.name,
                op_type=np_.op_type,
                domain="" if np_.domain == "ai.onnx" else np_.domain,
                inputs=list(np_.input),
                outputs=list(np_.output),
                attributes={a.name: a for a in np_.attribute},
                subgraphs=subgraphs,
                implicit_inputs=list(dict.fromkeys(implicit)),
            )
        )

    outer_refs: dict[str, None] = {}
    consumers: dict[int, list[int]] = {i: [] for i in range(len(nodes))}
    indegree = dict.fromkeys(range(len(nodes)), 0)
    for node in nodes:
        deps = set()
        for name in [*node.inputs, *node.implicit_inputs]:
            if not name:
                continue
            if name in produced:
                deps.add(produced[name])
            elif name in defined:
                continue
            elif name in outer_scope:
                outer_refs[name] = None
            else:
                raise InvalidArgument(
                    f"Invalid model. Node input '{name}' is not a graph input, initializer, "
                    "or output of a previous node."
                )
        for d in deps:
            consumers[d].append(node.index)
        indegree[node.index] = len(deps)
    order = topological_order(consumers, indegree)
    if len(order) != len(nodes):
        stuck = [nodes[i] for i, d in indegree.items() if d > 0]
        listed = ", ".join(f"{n.op_type}(name='{n.name}', #{n.index})" for n in stuck[:10])
        raise InvalidGraph(f"This is an invalid model. The graph has a cycle through the nodes: {listed}")

    for out in gp.output:
        if out.name not in visible:
            raise InvalidGraph(
                f"This is an invalid model. Graph output ({out.name}) is not produced by any node "
                "and is not a graph input or initializer."
            )
        if out.name in outer_scope and out.name not in defined and out.name not in produced:
            outer_refs[out.name] = None

    if order != list(range(len(nodes))):
        sorted_protos = [onnx.NodeProto() for _ in order]
        for dst, i in zip(sorted_protos, order):
            dst.CopyFrom(gp.node[i])
        del gp.node[:]
        gp.node.extend(sorted_protos)

    value_info = {vi.name: vi.type for vi in [*gp.value_info, *gp.input, *gp.output]}
    return Graph(
        name=gp.name,
        nodes=[nodes[i] for i in order],
        inputs=list(gp.input),
        outputs=list(gp.output),
        initializers=initializers,
        value_info=value_info,
        outer_refs=list(outer_refs),
        opsets=opsets,
    )


def add_inferred_types(graph: Graph, inferred: onnx.GraphProto) -> None:
    """Types that shape inference found, for values the model left untyped, in subgraphs too.

    Kernels read them where a value's type matters before it exists (context-dependent function
    bodies, the shape of a Loop's scan output after zero iterations). ``inferred`` is the same graph,
    nodes in the same (sorted) order, as onnx.shape_inference returns it.
    """
    for vi in [*inferred.value_info, *inferred.output]:
        if vi.type.WhichOneof("value") is not None:
            graph.value_info.setdefault(vi.name, vi.type)
    if len(inferred.node) != len(graph.nodes):
        return
    for node, proto in zip(graph.nodes, inferred.node):
        for a in proto.attribute:
            sub = node.subgraphs.get(a.name)
            if isinstance(sub, Graph) and a.type == onnx.AttributeProto.GRAPH:
                add_inferred_types(sub, a.g)
            elif isinstance(sub, list) and a.type == onnx.AttributeProto.GRAPHS:
                for g, gp in zip(sub, a.graphs):
                    add_inferred_types(g, gp)
