"""Small models in the shape ``torch.onnx.export`` writes them, built with onnx.helper (no PyTorch).

Each builder returns an opset-17 ``onnx.ModelProto`` with random weights from a fixed seed and a
symbolic batch dimension ``"batch"`` (the transformer also has a symbolic ``"seq"``). Node patterns
follow what the exporter emits, so the tests see the graphs users bring: ``nn.Linear`` as
``Gemm(transB=1)`` on 2-D input and ``MatMul`` + ``Add`` on 3-D input, BatchNormalization kept in
inference mode, Gelu spelled out with Erf, ``x.view(b, s, h, d)`` as Shape/Gather/Unsqueeze/Concat
feeding a Reshape, ``nn.ReLU6`` as ``Clip(0, 6)``, ``nn.Upsample`` as ``Resize``. The graph builder,
opset and IR version are the benchmark's (bench/models.py).

    from models import EXPORTED_MODELS, make_feeds
    model = EXPORTED_MODELS["resnet"]()
    feeds = make_feeds(model, batch=3)
"""

from __future__ import annotations

import math
import os
import sys
from typing import Callable

import numpy as np
import onnx
from onnx import TensorProto, helper

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the repository root
from bench.models import FLOAT, GraphBuilder  # noqa: E402 - the benchmark's builder, opset and IR version


class _GraphBuilder(GraphBuilder):
    """The benchmark's builder with the exporter as producer and the layers only these models use."""

    producer = ("pytorch", "2.1.0")

    def linear_matmul(self, x: str, n_in: int, n_out: int) -> str:
        """nn.Linear on an N-D input: MatMul with the transposed [in, out] weight, then Add."""
        w = self.he((n_in, n_out), n_in)
        return self.op("Add", [self.op("MatMul", [x, w]), self.bias(n_out)])

    def relu6(self, x: str) -> str:
        return self.op("Clip", [x, self.const(0.0, "clip_min"), self.const(6.0, "clip_max")])


def _input(name: str, shape: list) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, FLOAT, shape)


def _output(name: str, shape: list, elem=FLOAT) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, elem, shape)


def mlp(linear: str = "gemm", seed: int = 0) -> onnx.ModelProto:
    """784-512-256-10 with Relu; ``linear="gemm"`` or ``"matmul"`` picks how nn.Linear is exported."""
    g = _GraphBuilder(seed)
    layer = g.gemm if linear == "gemm" else g.linear_matmul
    h = g.op("Relu", [layer("input", 784, 512)])
    h = g.op("Relu", [layer(h, 512, 256)])
    layer(h, 256, 10)
    return g.model(f"mlp_{linear}", [_input("input", ["batch", 784])], [_output("logits", ["batch", 10])], "logits")


def mnist_cnn(seed: int = 1) -> onnx.ModelProto:
    """(Conv, Relu, MaxPool) x 2, Flatten, Gemm, Relu, Gemm, LogSoftmax over 10 classes."""
    g = _GraphBuilder(seed)
    h = g.max_pool(g.op("Relu", [g.conv("input", 1, 8, 3, pad=1)]), 2, 2)     # 8 x 14 x 14
    h = g.max_pool(g.op("Relu", [g.conv(h, 8, 16, 3, pad=1)]), 2, 2)          # 16 x 7 x 7
    h = g.op("Flatten", [h], axis=1)
    h = g.op("Relu", [g.gemm(h, 16 * 7 * 7, 64)])
    g.op("LogSoftmax", [g.gemm(h, 64, 10)], axis=1)
    return g.model("mnist_cnn", [_input("input", ["batch", 1, 28, 28])], [_output("log_probs", ["batch", 10])],
                   "log_probs")


def resnet(seed: int = 2) -> onnx.ModelProto:
    """A ResNet-10-like network on 3x64x64 images: stem, 3 basic blocks (one downsampling), head."""
    g = _GraphBuilder(seed)
    h = g.op("Relu", [g.batch_norm(g.conv("input", 3, 16, 7, stride=2, pad=3, bias=False), 16)])  # 32x32
    h = g.max_pool(h, 3, 2, pad=1)                                                                 # 16x16
    h = g.basic_block(h, 16, 16, 1)
    h = g.basic_block(h, 16, 32, 2)                                                                # 8x8
    h = g.basic_block(h, 32, 32, 1)
    h = g.op("Flatten", [g.op("GlobalAveragePool", [h])], axis=1)
    g.gemm(h, 32, 10)
    return g.model("resnet", [_input("input", ["batch", 3, 64, 64])], [_output("logits", ["batch", 10])], "logits")


D_MODEL, N_HEADS, D_FF = 64, 4, 128


def _shape_of_dims(g: _GraphBuilder, x: str, dims: list[int]) -> list[str]:
    """``x.size(d)`` for each d: Shape, Gather(scalar index), Unsqueeze to a 1-element vector."""
    shape = g.op("Shape", [x])
    return [g.op("Unsqueeze", [g.op("Gather", [shape, g.const(d, "dim", np.int64)], axis=0),
                               g.const([0], "axes", np.int64)]) for d in dims]


def _heads(g: _GraphBuilder, x: str, batch: str, seq: str, perm: list[int]) -> str:
    """``x.view(b, s, heads, d_head).permute(perm)``; the view shape is computed at run time."""
    head_dims = g.const([N_HEADS, D_MODEL // N_HEADS], "head_dims", np.int64)
    shape = g.op("Concat", [batch, seq, head_dims], axis=0)
    return g.op("Transpose", [g.op("Reshape", [x, shape])], perm=perm)


def _layer_norm_primitive(g: _GraphBuilder, x: str) -> str:
    """LayerNorm as older exporters spell it: mean and variance with ReduceMean, then scale and shift."""
    mean = g.op("ReduceMean", [x], axes=[-1], keepdims=1)
    centred = g.op("Sub", [x, mean])
    var = g.op("ReduceMean", [g.op("Pow", [centred, g.const(2.0, "two")])], axes=[-1], keepdims=1)
    std = g.op("Sqrt", [g.op("Add", [var, g.const(1e-5, "eps")])])
    h = g.op("Div", [centred, std])
    gamma = g.const(g.rng.uniform(0.5, 1.5, D_MODEL), "ln_gamma")
    return g.op("Add", [g.op("Mul", [h, gamma]), g.const(g.rng.uniform(-0.1, 0.1, D_MODEL), "ln_beta")])


def transformer_encoder(seed: int = 3) -> onnx.ModelProto:
    """A post-norm encoder layer (BERT style) over ``input`` [batch, seq, 64], 4 heads.

    ``attention_mask`` [batch, seq] int64 (1 = attend) becomes an additive mask the way Hugging
    Face models export it: Unsqueeze twice, Cast to float, (1 - mask) * -10000.
    """
    g = _GraphBuilder(seed)
    x = "input"
    batch, seq = _shape_of_dims(g, x, [0, 1])

    mask = g.op("Unsqueeze", [g.op("Unsqueeze", ["attention_mask", g.const([1], "axes", np.int64)]),
                              g.const([2], "axes", np.int64)])                  # [b, 1, 1, s]
    mask = g.op("Cast", [mask], to=FLOAT)
    mask = g.op("Mul", [g.op("Sub", [g.const(1.0, "one"), mask]), g.const(-10000.0, "mask_fill")])

    q = _heads(g, g.linear_matmul(x, D_MODEL, D_MODEL), batch, seq, [0, 2, 1, 3])   # [b, h, s, d]
    k_t = _heads(g, g.linear_matmul(x, D_MODEL, D_MODEL), batch, seq, [0, 2, 3, 1])  # [b, h, d, s]
    v = _heads(g, g.linear_matmul(x, D_MODEL, D_MODEL), batch, seq, [0, 2, 1, 3])
    scores = g.op("Div", [g.op("MatMul", [q, k_t]), g.const(math.sqrt(D_MODEL // N_HEADS), "sqrt_d")])
    probs = g.op("Softmax", [g.op("Add", [scores, mask])], axis=-1)
    ctx = g.op("Transpose", [g.op("MatMul", [probs, v])], perm=[0, 2, 1, 3])        # [b, s, h, d]
    ctx = g.op("Reshape", [ctx, g.op("Concat", [batch, seq, g.const([D_MODEL], "d_model", np.int64)], axis=0)])
    h = g.op("Add", [g.linear_matmul(ctx, D_MODEL, D_MODEL), x])
    h = g.op("LayerNormalization", [h, g.const(g.rng.uniform(0.5, 1.5, D_MODEL), "ln_gamma"),
                                    g.const(g.rng.uniform(-0.1, 0.1, D_MODEL), "ln_beta")],
             axis=-1, epsilon=1e-5)

    # Feed-forward with exact Gelu as torch exports it: x * 0.5 * (1 + erf(x / sqrt(2))).
    gelu = g.gelu(g.linear_matmul(h, D_MODEL, D_FF))
    h = g.op("Add", [g.linear_matmul(gelu, D_FF, D_MODEL), h])
    _layer_norm_primitive(g, h)
    return g.model(
        "transformer_encoder",
        [_input("input", ["batch", "seq", D_MODEL]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "seq"])],
        [_output("output", ["batch", "seq", D_MODEL])], "output")


def _inverted_residual(g: _GraphBuilder, x: str, c_in: int, c_out: int, expand: int, stride: int) -> str:
    """MobileNetV2 block (BN already folded into the convs, as the exporter does in eval mode)."""
    c_mid = c_in * expand
    h = g.relu6(g.conv(x, c_in, c_mid, 1))
    h = g.relu6(g.conv(h, c_mid, c_mid, 3, stride=stride, pad=1, group=c_mid))    # depthwise
    h = g.conv(h, c_mid, c_out, 1)                                                 # pointwise, linear
    return g.op("Add", [h, x]) if stride == 1 and c_in == c_out else h


def mobilenet_block(seed: int = 4) -> onnx.ModelProto:
    """Stem conv + Relu6, two inverted residual blocks (one strided), pooling and a classifier."""
    g = _GraphBuilder(seed)
    h = g.relu6(g.conv("input", 3, 16, 3, stride=2, pad=1))      # 16 x 16 x 16
    h = _inverted_residual(g, h, 16, 16, 4, 1)
    h = _inverted_residual(g, h, 16, 24, 4, 2)                   # 24 x 8 x 8
    h = g.op("Flatten", [g.op("GlobalAveragePool", [h])], axis=1)
    g.op("Softmax", [g.gemm(h, 24, 10)], axis=1)
    return g.model("mobilenet_block", [_input("input", ["batch", 3, 32, 32])], [_output("probs", ["batch", 10])],
                   "probs")


def unet(upsample: str = "resize_nearest", seed: int = 5) -> onnx.ModelProto:
    """One U-Net level: encoder, MaxPool, bottleneck, upsample, Concat skip, decoder, 1x1 head.

    ``upsample`` is how the decoder doubles the resolution: ``"resize_nearest"``
    (nn.Upsample(scale_factor=2)), ``"resize_linear"`` (bilinear, align_corners=False) or
    ``"conv_transpose"`` (nn.ConvTranspose2d(k=2, stride=2)).
    """
    g = _GraphBuilder(seed)
    skip = g.op("Relu", [g.conv("input", 3, 8, 3, pad=1)])                  # 8 x 32 x 32
    h = g.max_pool(skip, 2, 2)                                             # 8 x 16 x 16
    h = g.op("Relu", [g.conv(h, 8, 16, 3, pad=1)])                         # 16 x 16 x 16
    if upsample == "conv_transpose":
        w = g.he((16, 8, 2, 2), 16 * 4)
        h = g.op("ConvTranspose", [h, w, g.bias(8)], dilations=[1, 1], group=1, kernel_shape=[2, 2],
                 pads=[0, 0, 0, 0], strides=[2, 2])                        # 8 x 32 x 32
        c_up = 8
    else:
        scales = g.const([1.0, 1.0, 2.0, 2.0], "scales")
        # Exporters give the unused roi either as an omitted input ("") or as an empty tensor.
        if upsample == "resize_nearest":
            roi = ""
            attrs = dict(coordinate_transformation_mode="asymmetric", mode="nearest", nearest_mode="floor")
        else:
            roi = g.const(np.zeros(0), "roi")
            attrs = dict(coordinate_transformation_mode="pytorch_half_pixel", mode="linear", nearest_mode="floor")
        h = g.op("Resize", [h, roi, scales], cubic_coeff_a=-0.75, **attrs)   # 16 x 32 x 32
        c_up = 16
    h = g.op("Concat", [h, skip], axis=1)
    h = g.op("Relu", [g.conv(h, c_up + 8, 8, 3, pad=1)])
    g.op("Sigmoid", [g.conv(h, 8, 2, 1)])
    return g.model(f"unet_{upsample}", [_input("input", ["batch", 3, 32, 32])], [_output("mask", ["batch", 2, 32, 32])],
                   "mask")


EXPORTED_MODELS: dict[str, Callable[[], onnx.ModelProto]] = {
    "mlp_gemm": lambda: mlp("gemm"),
    "mlp_matmul": lambda: mlp("matmul"),
    "mnist_cnn": mnist_cnn,
    "resnet": resnet,
    "transformer_encoder": transformer_encoder,
    "mobilenet_block": mobilenet_block,
    "unet_resize_nearest": lambda: unet("resize_nearest"),
    "unet_resize_linear": lambda: unet("resize_linear"),
    "unet_conv_transpose": lambda: unet("conv_transpose"),
}


def make_feeds(model: onnx.ModelProto, batch: int, *, seq: int = 7, seed: int = 0) -> dict[str, np.ndarray]:
    """Random inputs for ``model``: ``batch`` and ``seq`` fill the symbolic dimensions.

    Float inputs are standard normal. Integer inputs are attention masks: 1 (attend) with a
    padded tail of zeros whose length differs per row, never masking a whole row.
    """
    rng = np.random.default_rng(seed)
    init_names = {t.name for t in model.graph.initializer}
    sizes = {"batch": batch, "seq": seq}
    feeds = {}
    for vi in model.graph.input:
        if vi.name in init_names:
            continue
        tt = vi.type.tensor_type
        shape = tuple(d.dim_value if d.HasField("dim_value") else sizes[d.dim_param] for d in tt.shape.dim)
        dtype = helper.tensor_dtype_to_np_dtype(tt.elem_type)
        if dtype.kind == "f":
            feeds[vi.name] = rng.standard_normal(shape).astype(dtype)
        else:
            rows, cols = shape
            lengths = rng.integers(1, cols + 1, size=(rows, 1))
            feeds[vi.name] = (np.arange(cols)[None, :] < lengths).astype(dtype)
    return feeds
