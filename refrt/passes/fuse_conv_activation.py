"""Conv + activation -> FusedConv with ``activation`` and ``activation_params`` (ORT_ENABLE_EXTENDED).

onnxruntime's ConvActivationFusion: Relu, Clip (constant bounds), Sigmoid, LeakyRelu, HardSigmoid or
Tanh is applied in place on the convolution's fresh output, saving a full-size buffer and a pass.
Runs after fuse_conv_residual, so a FusedConv that adds Z takes the activation after the sum.
"""

from __future__ import annotations

from typing import Sequence

from refrt.ir import Graph
from refrt.passes._fusion_util import fuse_activation
from refrt.providers import Provider


def fuse_conv_activation(graph: Graph, providers: Sequence[Provider]) -> Graph:
    # FusedConv(x, W, B, Z; activation) = activation(Conv(x, W, B) + Z)
    return fuse_activation(graph, providers, ("Conv",), "FusedConv")
