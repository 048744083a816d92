"""Common-subexpression elimination: nodes computing the same thing run once (ORT_ENABLE_BASIC).

Two nodes are the same computation when they have the same op, domain, attributes and inputs (after
earlier merges) and use the same outputs; the later one goes and its readers read the earlier one's
outputs. Never merged: random ops (two draws are two values), nodes with subgraphs, ops of other
domains (a custom op may have effects), and a node whose output is read by name (a graph output,
a subgraph's outer-scope read, a Gradient's y: its name must stay).
"""

from __future__ import annotations

from typing import Sequence

from refrt.ir import Graph, Node
from refrt.passes._names import seen_by_name
from refrt.passes._rewrite import rewrite
from refrt.passes.eliminate_dead_code import PURE_DOMAINS
from refrt.passes.fold_constants import NONDETERMINISTIC
from refrt.providers import Provider


def eliminate_common_subexpressions(graph: Graph, providers: Sequence[Provider]) -> Graph:
    if len(graph.nodes) < 2:
        return graph
    keep_names = seen_by_name(graph)
    seen: dict[tuple, Node] = {}
    rename: dict[str, str] = {}  # output of a removed duplicate -> the same output of the node kept
    kept: list[Node] = []
    merged = 0
    for node in graph.nodes:  # topological order: a node's inputs are renamed before it is keyed
        ins = [rename.get(n, n) for n in node.inputs]
        if ins != node.inputs:
            node = Node(node.index, node.name, node.op_type, node.domain, ins, list(node.outputs),
                        node.attributes, node.subgraphs, node.implicit_inputs)
        key = _key(node)
        first = seen.get(key) if key is not None else None
        if first is not None and not any(o in keep_names for o in node.outputs):
            rename.update((o, f) for o, f in zip(node.outputs, first.outputs) if o)
            merged += 1
            continue
        if key is not None:
            seen.setdefault(key, node)
        kept.append(node)
    if not merged:
        return graph
    return rewrite(graph, remove=graph.nodes, add=kept)  # the old order, less the duplicates


def _key(node: Node) -> tuple | None:
    """What makes two nodes the same computation; None for nodes never merged."""
    if node.domain not in PURE_DOMAINS or node.op_type in NONDETERMINISTIC or node.subgraphs:
        return None
    attrs = tuple(sorted((name, a.SerializeToString(deterministic=True)) for name, a in node.attributes.items()))
    return node.domain, node.op_type, tuple(node.inputs), attrs, tuple(bool(o) for o in node.outputs)
