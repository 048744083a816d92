"""Constant folding: a node whose inputs are all constants runs once, at session creation.

Its outputs become constants of the graph and the node leaves the plan (what onnxruntime does at
ORT_ENABLE_BASIC and above). Random ops are never folded; a fold whose outputs would exceed 1 GB is
skipped, as onnxruntime skips it; a node whose kernel fails here stays in the graph, so the error is
reported at run time against the node, exactly as without folding.
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

import numpy as np

from refrt.ir import Graph, Node
from refrt.providers import Provider
from refrt.types import tensor_to_array

# Ops whose result is not a function of their inputs (Dropout only in training mode, but its mode
# is an input: leave it to the pass that removes inference-mode Dropout).
NONDETERMINISTIC = frozenset(
    {"RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial", "Bernoulli", "Dropout"}
)
FOLDABLE_DOMAINS = frozenset({"", "ai.onnx.ml"})  # a user's custom op may have side effects
MAX_FOLDED_BYTES = 1 << 30


def fold_constants(graph: Graph, providers: Sequence[Provider]) -> Graph:
    from refrt.plan import bind_node  # the planner binds kernels; passes sit above it

    inputs = {vi.name for vi in graph.inputs}  # an initializer that is also an input can be overridden
    constants = {n: v for n, v in graph.initializers.items() if n not in inputs}
    folded: dict[str, np.ndarray] = {}
    kept: list[Node] = []
    for node in graph.nodes:
        if not _foldable(node, constants):
            kept.append(node)
            continue
        try:
            fn, _ = bind_node(node, graph.opsets, providers)
            args = [_array(constants, n) if n else None for n in node.inputs]
            with np.errstate(all="ignore"):
                results = fn(*args)
        except Exception:  # noqa: BLE001 - left to fail at run time, against its node
            kept.append(node)
            continue
        results = (results,) if len(node.outputs) == 1 else tuple(results)
        # Only tensors become constants: a sequence (list) or an empty optional (None) stays a node.
        if not all(isinstance(r, (np.ndarray, np.generic)) for r in results):
            kept.append(node)
            continue
        values = [np.asarray(r) for r in results]
        if sum(v.nbytes for v in values) > MAX_FOLDED_BYTES:
            kept.append(node)
            continue
        for name, value in zip(node.outputs, values):
            if name:
                value.flags.writeable = False
                constants[name] = folded[name] = value
    if not folded:
        return graph
    return dataclasses.replace(graph, nodes=kept, initializers={**graph.initializers, **folded})


def _foldable(node: Node, constants: dict) -> bool:
    return (
        node.domain in FOLDABLE_DOMAINS
        and node.op_type not in NONDETERMINISTIC
        and not node.subgraphs
        and all(not n or n in constants for n in node.inputs)
        and any(node.outputs)
    )


def _array(constants: dict, name: str) -> np.ndarray:
    value = constants[name]
    if not isinstance(value, np.ndarray):
        value = tensor_to_array(value)
        value.flags.writeable = False
        constants[name] = value
    return value
