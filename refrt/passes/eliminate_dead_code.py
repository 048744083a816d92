"""Dead-code elimination: nodes whose outputs nobody reads, and constants nobody reads (ORT_ENABLE_BASIC).

A node is dead when none of its outputs is a graph output, named by a Gradient node, or read by a
live node (so whole dead chains go, in one sweep from the outputs back). Nodes of other domains stay
(a custom op may have effects); constants go when no live node reads them and they are not graph
inputs (a feed may override those) or graph outputs. Dead nodes never ran anyway (a run computes
only what its fetches need): this makes the saved model and the held constants smaller.
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

from refrt.ir import Graph
from refrt.passes._names import seen_by_name
from refrt.passes._rewrite import REFRT_DOMAIN, rewrite
from refrt.providers import Provider

PURE_DOMAINS = frozenset({"", "ai.onnx.ml", REFRT_DOMAIN})  # ops without effects; a custom op may have some


def eliminate_dead_code(graph: Graph, providers: Sequence[Provider]) -> Graph:
    live = seen_by_name(graph)  # graph outputs, and values a Gradient node names
    dead = []
    for node in reversed(graph.nodes):  # consumers before producers
        if node.domain in PURE_DOMAINS and not any(o in live for o in node.outputs if o):
            dead.append(node)
            continue
        live.update(n for n in (*node.inputs, *node.implicit_inputs) if n)
    inputs = {vi.name for vi in graph.inputs}
    unread = {name for name in graph.initializers if name not in live and name not in inputs}
    if not dead and not unread:
        return graph
    result = rewrite(graph, remove=dead) if dead else graph
    return dataclasses.replace(result, initializers={k: v for k, v in graph.initializers.items() if k not in unread})
