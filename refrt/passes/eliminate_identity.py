"""Identity elimination: consumers of ``Identity(x)`` read ``x`` itself (ORT_ENABLE_BASIC).

``bypass`` is the rewrite every "this node changes nothing" pass shares (Identity, inference-mode
Dropout, no-op Cast/Reshape/...): the node goes, its readers read its input. Value names that a
caller sees never change: when the node's output is a graph output, the producer of its input is
renamed to write the graph output directly; when that is not possible (the input is a graph input,
an initializer, another graph output, or a name read by name elsewhere), the node stays. The main graph
is rewritten; subgraph bodies are left as written.
"""

from __future__ import annotations

from typing import Iterable, Sequence

from refrt.ir import Graph, Node
from refrt.passes._names import seen_by_name
from refrt.passes._rewrite import outputs_of, rewrite
from refrt.providers import Provider


def eliminate_identity(graph: Graph, providers: Sequence[Provider]) -> Graph:
    identities = [n for n in graph.nodes if n.op_type == "Identity" and n.domain == "" and n.inputs and n.inputs[0]]
    return bypass(graph, identities) if identities else graph


def bypass(graph: Graph, nodes: Iterable[Node]) -> Graph:
    """Remove ``nodes``, each of which outputs (as ``outputs[0]``) the value of ``inputs[0]``.

    The caller guarantees that any other output of such a node is read by nobody. Nodes that cannot
    go without renaming a value someone sees stay in the graph (their input possibly renamed).
    """
    outputs = outputs_of(graph)
    by_name = seen_by_name(graph) - outputs  # read by subgraphs or named by a Gradient node
    alias: dict[str, str] = {}  # removed value -> the value it equals
    removed: set[int] = set()
    at_outputs: list[Node] = []
    for node in nodes:
        y = node.outputs[0]
        if not y or y in by_name:
            continue  # read by name (a subgraph, a Gradient): the name must stay
        if y in outputs:
            at_outputs.append(node)
            continue
        alias[y] = node.inputs[0]
        removed.add(node.index)

    def root(name: str) -> str:
        while name in alias:
            name = alias[name]
        return name

    # A graph output y = node(x): the producer of x writes y instead (x = root of the alias chain).
    producers = graph.producers()
    claimed: dict[str, str] = {}  # value renamed -> graph-output name it takes
    for node in at_outputs:
        x = root(node.inputs[0])
        producer = producers.get(x)
        if producer is None or producer.index in removed or x in outputs or x in by_name or x in claimed:
            continue  # x is a graph input, initializer or a name others see: keep the node
        claimed[x] = node.outputs[0]
        removed.add(node.index)
    if not removed:
        return graph

    def final(name: str) -> str:
        name = root(name) if name else name
        return claimed.get(name, name)

    kept = []
    for node in graph.nodes:
        if node.index in removed:
            continue
        ins = [final(n) for n in node.inputs]
        outs = [claimed.get(n, n) for n in node.outputs]
        if ins != node.inputs or outs != node.outputs:
            node = Node(node.index, node.name, node.op_type, node.domain, ins, outs, node.attributes,
                        node.subgraphs, node.implicit_inputs)
        kept.append(node)
    # Everything out, the kept nodes back in their old order (a removal leaves that order valid).
    return rewrite(graph, remove=graph.nodes, add=kept)
