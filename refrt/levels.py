"""The one place that says which graph passes run at which optimization level, in what order, and why.

Levels mean what they mean in onnxruntime's GraphOptimizationLevel; results agree across levels.
"""

from __future__ import annotations

from collections import Counter
from typing import Callable, Sequence

from refrt.ir import Graph
from refrt.passes.eliminate_common_subexpressions import eliminate_common_subexpressions
from refrt.passes.eliminate_dead_code import eliminate_dead_code
from refrt.passes.eliminate_dropout import eliminate_dropout
from refrt.passes.eliminate_identity import eliminate_identity
from refrt.passes.eliminate_noop import eliminate_noop
from refrt.passes.fold_constants import fold_constants
from refrt.passes.fuse_attention import fuse_attention
from refrt.passes.fuse_batchnorm_affine import fuse_batchnorm_affine
from refrt.passes.fuse_conv_activation import fuse_conv_activation
from refrt.passes.fuse_conv_add import fuse_conv_add
from refrt.passes.fuse_conv_bn import fuse_conv_bn
from refrt.passes.fuse_conv_mul import fuse_conv_mul
from refrt.passes.fuse_conv_residual import fuse_conv_residual
from refrt.passes.fuse_elementwise_chain import fuse_elementwise_chain
from refrt.passes.fuse_gelu import fuse_gelu
from refrt.passes.fuse_gemm_activation import fuse_gemm_activation
from refrt.passes.fuse_layer_normalization import fuse_layer_normalization
from refrt.passes.fuse_matmul_activation import fuse_matmul_activation
from refrt.passes.fuse_matmul_add import fuse_matmul_add
from refrt.passes.fuse_rms_normalization import fuse_rms_normalization
from refrt.passes.fuse_skip_layer_normalization import fuse_skip_layer_normalization
from refrt.passes.fuse_transpose_into_matmul import fuse_transpose_into_matmul
from refrt.passes.mark_inplace import mark_inplace
from refrt.passes.prepack_weights import prepack_weights
from refrt.providers import Provider

Pass = Callable[[Graph, Sequence[Provider]], Graph]

# ORT_DISABLE_ALL (0): the graph as written; only scheduling and memory release.
# ORT_ENABLE_BASIC (1): semantics-preserving simplifications that need no fused kernels.
BASIC: tuple[Pass, ...] = (
    # first: work that depends only on constants is done once, here, and shape computations become
    # the constants that the no-op and Dropout rules read.
    fold_constants,
    # before the other eliminations: a removed Dropout is one Identity fewer to look through.
    eliminate_dropout,
    # aliases gone before CSE, so Op(x) and Op(Identity(x)) are seen as one computation.
    eliminate_identity,
    # after folding (Reshape/Slice/Pad/Expand constants known); before CSE for the same reason.
    eliminate_noop,
    # once names are canonical: merges what the passes above made identical.
    eliminate_common_subexpressions,
    # last: drops what the others left unread (Dropout masks, constants only folded nodes read).
    eliminate_dead_code,
)
# ORT_ENABLE_EXTENDED (2): fusions, each applied only where a provider of the session has its kernel.
EXTENDED: tuple[Pass, ...] = BASIC + (
    # Transformer patterns first, while their MatMul + Add projections and biases are still plain
    # nodes (fuse_matmul_add would take them): attention packs Q/K/V projections, BiasGelu and
    # SkipLayerNormalization take the bias Adds. LayerNorm before RMSNorm, whose pattern is LayerNorm's
    # variance branch; SkipLayerNorm after both normalisations, whose LayerNorm it absorbs.
    fuse_layer_normalization,
    fuse_rms_normalization,
    fuse_skip_layer_normalization,
    fuse_gelu,
    fuse_attention,
    # Conv, BN, Mul, Add as exported (Caffe2's DenseNet writes BN as BN, Mul, Add): each folds into
    # the Conv's constant W/B, leaving a Conv for the next rule; all before the FusedConv rules.
    fuse_conv_bn,
    fuse_conv_mul,
    fuse_conv_add,
    # the BatchNormalizations no Conv took (DenseNet's pre-activation BN after a Concat), with the
    # per-channel Mul/Add after them, become one Mul and one Add: after the Conv folds, which
    # remove BN entirely where they can; before the chain fusion that joins the Mul, Add and Relu.
    fuse_batchnorm_affine,
    # residual Add into FusedConv's Z before the activation, so Conv, Add, Relu is one node.
    fuse_conv_residual,
    fuse_conv_activation,
    # MatMul + bias first (-> Gemm or FusedMatMul), then Transpose flags, then activations, so that
    # Linear + ReLU and x @ W.T + b end as a single FusedGemm / FusedMatMul.
    fuse_matmul_add,
    fuse_transpose_into_matmul,
    fuse_gemm_activation,
    fuse_matmul_activation,
    # last of the fusions: every pattern above is also a chain of elementwise ops, and each named
    # kernel beats the generic chain; this takes what is left (mask arithmetic, activation chains).
    fuse_elementwise_chain,
    # again after the fusions: the weights the packed attention projection replaced, shape
    # computations only the fused Reshapes read.
    eliminate_dead_code,
)
# ORT_ENABLE_LAYOUT (3) and ORT_ENABLE_ALL (99): layout work on top of every fusion.
ALL: tuple[Pass, ...] = EXTENDED + (
    # after the fusions, so the packed weights are the folded ones and FusedConv/FusedGemm get them.
    prepack_weights,
    # last: needs the final producers to know which buffers are the node's own to overwrite.
    mark_inplace,
)


def passes_for(level: int) -> tuple[Pass, ...]:
    if level <= 0:
        return ()
    if level == 1:
        return BASIC
    if level == 2:
        return EXTENDED
    return ALL


PassReport = tuple[str, int, int, dict[str, int], dict[str, int]]


def optimize(graph: Graph, level: int, providers: Sequence[Provider], disabled: frozenset[str] = frozenset(),
             report: list[PassReport] | None = None) -> Graph:
    """Run the level's passes in order; ``disabled`` names passes to skip (by function name), as
    onnxruntime's "session.disable_optimizers" session config entry does. With ``report``, appends
    ``(pass name, nodes before, nodes after, op types added {op: n}, op types removed {op: n})`` per pass run.

    A graph holding a Gradient node is run as written: Gradient differentiates the graph it names
    values of, so that graph must stay the one the model states."""
    if any(n.op_type == "Gradient" and n.domain == "ai.onnx.preview.training" for n in graph.nodes):
        return graph
    for run_pass in passes_for(int(level)):
        if run_pass.__name__ in disabled:
            continue
        before = graph
        graph = run_pass(graph, providers)
        if report is not None:
            old, new = _op_counts(before), _op_counts(graph)
            report.append((run_pass.__name__, len(before.nodes), len(graph.nodes), dict(new - old), dict(old - new)))
    return graph


def _op_counts(graph: Graph) -> Counter:
    return Counter(f"{n.domain}:{n.op_type}" if n.domain else n.op_type for n in graph.nodes)


def all_pass_names() -> list[str]:
    return list(dict.fromkeys(p.__name__ for p in (*BASIC, *EXTENDED, *ALL)))
