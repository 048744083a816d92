"""The one place that says which graph passes run at which optimization level, in what order, and why.

Levels mean what they mean in onnxruntime's GraphOptimizationLevel; results agree across levels.
"""

from __future__ import annotations

from typing import Callable, Sequence

from refrt.ir import Graph
from refrt.passes.fold_constants import fold_constants
from refrt.providers import Provider

Pass = Callable[[Graph, Sequence[Provider]], Graph]

# ORT_DISABLE_ALL (0): the graph as written; only scheduling and memory release.
# ORT_ENABLE_BASIC (1): semantics-preserving simplifications that need no fused kernels.
#   fold_constants first: work that depends only on constants is done once, here, not per run.
BASIC: tuple[Pass, ...] = (fold_constants,)
# ORT_ENABLE_EXTENDED (2) adds fusions, ORT_ENABLE_LAYOUT (3) and ORT_ENABLE_ALL (99) weight
# pre-packing and buffer reuse; none exists yet, so those levels run the BASIC passes.
EXTENDED: tuple[Pass, ...] = BASIC
ALL: tuple[Pass, ...] = EXTENDED


def passes_for(level: int) -> tuple[Pass, ...]:
    if level <= 0:
        return ()
    if level == 1:
        return BASIC
    if level == 2:
        return EXTENDED
    return ALL


def optimize(graph: Graph, level: int, providers: Sequence[Provider], disabled: frozenset[str] = frozenset()) -> Graph:
    """Run the level's passes in order; ``disabled`` names passes to skip (by function name), as
    onnxruntime's "session.disable_optimizers" session config entry does."""
    for run_pass in passes_for(int(level)):
        if run_pass.__name__ not in disabled:
            graph = run_pass(graph, providers)
    return graph


def all_pass_names() -> list[str]:
    return list(dict.fromkeys(p.__name__ for p in (*BASIC, *EXTENDED, *ALL)))
