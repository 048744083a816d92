"""Gemm + activation -> FusedGemm with ``activation`` and ``activation_params`` (ORT_ENABLE_EXTENDED).

onnxruntime's GemmActivationFusion: Relu, Clip (constant bounds), Sigmoid, LeakyRelu, HardSigmoid or
Tanh is applied in place on the Gemm's fresh output. Runs after fuse_matmul_add, so MatMul, Add,
Relu (nn.Linear + ReLU on 2-D input) ends as one FusedGemm. A Gemm whose revision has the old
``broadcast`` attribute is fused only with broadcast=1 (FusedGemm always broadcasts C).
"""

from __future__ import annotations

from typing import Sequence

from refrt.ir import Graph, Node
from refrt.passes._fusion_util import fuse_activation, has_attribute, value_of
from refrt.providers import Provider


def fuse_gemm_activation(graph: Graph, providers: Sequence[Provider]) -> Graph:
    # FusedGemm(A, B, C; activation) = activation(Gemm(A, B, C)); only plain Gemm nodes are taken
    return fuse_activation(graph, providers, ("Gemm",), "FusedGemm", accept=lambda node: _plain_broadcasting(graph, node))


def _plain_broadcasting(graph: Graph, gemm: Node) -> bool:
    return gemm.op_type == "Gemm" and (not has_attribute(graph, gemm, "broadcast") or bool(value_of(graph, gemm, "broadcast")))
