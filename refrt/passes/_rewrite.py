"""What graph passes share: who consumes a value, constants, new nodes, and re-sorting after a rewrite.

Passes never mutate the Graph they are given: they build a new node list and return
``rewrite(graph, remove=..., add=...)``, a new Graph (IR objects are shared, not copied).
"""

from __future__ import annotations

import dataclasses
import heapq
import itertools
from collections import defaultdict
from typing import Any, Iterable, Sequence

import numpy as np
import onnx
from onnx import helper

from refrt import registry
from refrt.ir import Graph, Node
from refrt.providers import Provider
from refrt.types import tensor_to_array

REFRT_DOMAIN = "refrt"  # fused ops of our own kernels (kernels/numpy/op_fused_*.py)
_ids = itertools.count(1 << 30)  # positions for new nodes, after any position in a file


def consumers(graph: Graph) -> dict[str, list[Node]]:
    """Value name -> the nodes reading it (subgraph readers count: their node's implicit inputs)."""
    table: dict[str, list[Node]] = defaultdict(list)
    for node in graph.nodes:
        for name in dict.fromkeys([*node.inputs, *node.implicit_inputs]):
            if name:
                table[name].append(node)
    return table


def outputs_of(graph: Graph) -> set[str]:
    return {vi.name for vi in graph.outputs}


def constant(graph: Graph, name: str) -> np.ndarray | None:
    """The value of ``name`` when it is a constant (an initializer no feed can override)."""
    if not name or name not in graph.initializers or any(vi.name == name for vi in graph.inputs):
        return None
    value = graph.initializers[name]
    return value if isinstance(value, np.ndarray) else tensor_to_array(value)


def only_consumer(graph: Graph, uses: dict[str, list[Node]], name: str) -> Node | None:
    """The single node reading ``name``, if it has exactly one reader and is not a graph output."""
    readers = uses.get(name, [])
    if len(readers) != 1 or name in outputs_of(graph):
        return None
    return readers[0]


def new_node(op_type: str, inputs: Sequence[str], outputs: Sequence[str], *, domain: str = "", name: str = "",
             **attributes: Any) -> Node:
    """A node that no file holds; attributes given as Python values, as onnx.helper takes them."""
    attrs = {k: helper.make_attribute(k, v) for k, v in attributes.items() if v is not None}
    return Node(next(_ids), name, op_type, domain, list(inputs), list(outputs), attrs)


def attribute(node: Node, name: str, default: Any = None) -> Any:
    from refrt.plan import attribute_value

    a = node.attributes.get(name)
    return default if a is None else attribute_value(a)


def kernel_available(op_type: str, domain: str, providers: Sequence[Provider], version: int = 1) -> bool:
    """Whether a provider of the session has this kernel (a fusion is skipped where none has it)."""
    for p in providers:
        p.discover()
        if registry.lookup(domain, op_type, version, p.name) is not None:
            return True
    return False


def rewrite(graph: Graph, *, remove: Iterable[Node] = (), add: Iterable[Node] = (),
            initializers: dict[str, np.ndarray] | None = None) -> Graph:
    """A new Graph without ``remove``, with ``add`` and new constants, nodes re-sorted topologically."""
    gone = {n.index for n in remove}
    nodes = [n for n in graph.nodes if n.index not in gone] + list(add)
    opsets = dict(graph.opsets)
    if any(n.domain == REFRT_DOMAIN for n in nodes):
        opsets.setdefault(REFRT_DOMAIN, 1)
    inits = {**graph.initializers, **(initializers or {})}
    return dataclasses.replace(graph, nodes=_sorted(nodes), initializers=inits, opsets=opsets)


def _sorted(nodes: list[Node]) -> list[Node]:
    """Kahn's algorithm, ties by position: the old order wherever it is still valid."""
    producer = {o: n.index for n in nodes for o in n.outputs if o}
    by_index = {n.index: n for n in nodes}
    indegree = {n.index: 0 for n in nodes}
    after: dict[int, list[int]] = defaultdict(list)
    for n in nodes:
        for d in {producer[i] for i in [*n.inputs, *n.implicit_inputs] if i in producer}:
            after[d].append(n.index)
            indegree[n.index] += 1
    rank = {n.index: pos for pos, n in enumerate(nodes)}
    ready = [(rank[i], i) for i, d in indegree.items() if d == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        _, i = heapq.heappop(ready)
        order.append(by_index[i])
        for j in after[i]:
            indegree[j] -= 1
            if indegree[j] == 0:
                heapq.heappush(ready, (rank[j], j))
    if len(order) != len(nodes):
        raise AssertionError("a graph pass produced a cycle")  # a bug in the pass, never the model's
    return order


def to_model(graph: Graph, template: onnx.ModelProto) -> onnx.ModelProto:
    """The (optimized) graph as a ModelProto, metadata taken from the model it came from."""
    from onnx import numpy_helper

    model = onnx.ModelProto()
    model.CopyFrom(template)
    g = model.graph
    del g.node[:]
    del g.initializer[:]
    # The IR's inputs: before IR 4 the file listed every initializer as an input too; written at
    # IR 4 or later, initializers need not be listed (and dropped ones must not be).
    del g.input[:]
    g.input.extend(graph.inputs)
    model.ir_version = max(model.ir_version, 4)
    for node in graph.nodes:
        proto = onnx.NodeProto(op_type=node.op_type, domain=node.domain, name=node.name,
                               input=node.inputs, output=node.outputs)
        proto.attribute.extend(node.attributes.values())
        g.node.append(proto)
    for name, value in graph.initializers.items():
        g.initializer.append(value if isinstance(value, onnx.TensorProto) else numpy_helper.from_array(np.asarray(value), name))
    del model.opset_import[:]
    for domain, version in sorted(graph.opsets.items()):
        model.opset_import.append(helper.make_opsetid(domain, version))
    return model
