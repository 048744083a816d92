"""MatMul + activation -> FusedMatMul with ``activation`` and ``activation_params`` (ORT_ENABLE_EXTENDED).

Relu, Clip (constant bounds), Sigmoid, LeakyRelu, HardSigmoid or Tanh is applied in place on the
product's fresh output. Also takes a FusedMatMul that has no activation yet (a transposed operand
or a bias folded in by fuse_transpose_into_matmul / fuse_matmul_add, which run before).
"""

from __future__ import annotations

from typing import Sequence

from refrt.ir import Graph
from refrt.passes._fusion_util import fuse_activation
from refrt.providers import Provider


def fuse_matmul_activation(graph: Graph, providers: Sequence[Provider]) -> Graph:
    # FusedMatMul(A, B, bias; activation) = activation(A' @ B' + bias)
    return fuse_activation(graph, providers, ("MatMul",), "FusedMatMul")
