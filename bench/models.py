"""The benchmark model set, built offline with onnx.helper (no PyTorch), random weights, fixed seeds.

    python -m bench.models                  # build every model into bench/cache/ (git-ignored), list them
    python -m bench.models --list           # names, batches, what each is

Built models follow the graphs ``torch.onnx.export`` writes (opset 17): ``nn.Linear`` as Gemm on
2-D input and MatMul + Add on 3-D input, BatchNormalization kept (refrt has no Conv+BN fusion yet,
onnxruntime fuses it at session creation: that is part of what is measured), exact Gelu spelled out
with Erf, LSTM layers as ONNX LSTM nodes in the sequence-first layout. The nine light model-zoo
models come from inside the ``onnx`` package; their input shapes are fixed, so batch 1 only.
scikit-learn models are converted with skl2onnx when both are importable (they are not
dependencies of refrt).

A cached file's name carries ``BUILD_VERSION``: bump it when a builder changes.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import math
import pathlib
import sys
from typing import Callable

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

CACHE_DIR = pathlib.Path(__file__).with_name("cache")
LIGHT_DIR = pathlib.Path(onnx.__file__).parent / "backend" / "test" / "data" / "light"
LIGHT_MODELS = ("light_bvlc_alexnet", "light_densenet121", "light_inception_v1", "light_inception_v2",
                "light_resnet50", "light_shufflenet", "light_squeezenet", "light_vgg19", "light_zfnet512")
BUILD_VERSION = 1
OPSET = 17
IR_VERSION = 8  # the IR that came with opset 17; onnxruntime reads up to its own
FLOAT = TensorProto.FLOAT
# float32 in another summation order than onnxruntime's: agreement to ~1e-5 relative is expected.
RTOL, ATOL = 1e-4, 1e-5

Feeds = dict[str, np.ndarray]


@dataclasses.dataclass(frozen=True)
class Case:
    """One benchmark model: where its file comes from, the batches it runs at, its feeds."""

    name: str
    about: str
    batches: tuple[int, ...]                       # (1, throughput batch), or (1,) for fixed shapes
    path: Callable[[pathlib.Path], pathlib.Path]   # cache dir -> the model file (built on demand)
    feeds: Callable[[onnx.ModelProto, int], Feeds]
    rtol: float = RTOL
    atol: float = ATOL
    skip: str | None = None                        # why this case cannot run here (reported, not timed)
    tags: tuple[str, ...] = ()
    loose_outputs: tuple[int, ...] = ()            # type, shape, NaNs and row sums only (see _light_model)

    def load(self, cache: pathlib.Path = CACHE_DIR) -> onnx.ModelProto:
        return onnx.load(self.path(cache))


# -- building blocks --------------------------------------------------------------------------

class GraphBuilder:
    """Collects nodes and initializers; every tensor name is unique and says where it comes from.

    Layers are written as ``torch.onnx.export`` writes them. tests/models.py builds its models with a
    subclass (the exporter as producer, a few more layers), so a change here changes those too.
    """

    producer = ("refrt-bench", str(BUILD_VERSION))  # the model's producer_name, producer_version

    def __init__(self, seed: int):
        self.rng = np.random.default_rng(seed)
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self._count: dict[str, int] = {}

    def _name(self, base: str) -> str:
        n = self._count.get(base, 0)
        self._count[base] = n + 1
        return f"{base}_{n}"

    def const(self, value, base: str = "const", dtype=np.float32) -> str:
        name = self._name(base)
        self.initializers.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    def he(self, shape, fan_in: int, base: str = "weight") -> str:
        # He initialisation keeps activations O(1) through Relu stacks, so tolerances stay meaningful.
        return self.const(self.rng.standard_normal(shape) * math.sqrt(2.0 / fan_in), base)

    def normal(self, shape, std: float, base: str = "weight") -> str:
        return self.const(self.rng.standard_normal(shape) * std, base)

    def uniform(self, n, lo: float, hi: float, base: str) -> str:
        return self.const(self.rng.uniform(lo, hi, n), base)

    def bias(self, n: int, base: str = "bias") -> str:
        return self.uniform(n, -0.1, 0.1, base)

    def op(self, op_type: str, inputs: list[str], n_outputs: int = 1, **attrs):
        outs = [self._name(op_type.lower()) for _ in range(n_outputs)]
        self.nodes.append(helper.make_node(op_type, inputs, outs, name=self._name(f"/{op_type}"), **attrs))
        return outs[0] if n_outputs == 1 else outs

    def gemm(self, x: str, n_in: int, n_out: int) -> str:
        """nn.Linear on a 2-D input: Gemm with the [out, in] weight and transB=1."""
        return self.op("Gemm", [x, self.he((n_out, n_in), n_in), self.bias(n_out)], alpha=1.0, beta=1.0, transB=1)

    def matmul_add(self, x: str, n_in: int, n_out: int, std: float) -> str:
        """nn.Linear on an N-D input: MatMul with the [in, out] weight, then Add."""
        return self.op("Add", [self.op("MatMul", [x, self.normal((n_in, n_out), std)]),
                               self.normal(n_out, std, "bias")])

    def conv(self, x: str, c_in: int, c_out: int, k: int, *, stride=1, pad=0, group=1, bias=True) -> str:
        inputs = [x, self.he((c_out, c_in // group, k, k), c_in // group * k * k)]
        if bias:
            inputs.append(self.bias(c_out))
        return self.op("Conv", inputs, dilations=[1, 1], group=group, kernel_shape=[k, k], pads=[pad] * 4,
                       strides=[stride, stride])

    def batch_norm(self, x: str, c: int) -> str:
        params = [self.uniform(c, 0.5, 1.5, "bn_scale"), self.uniform(c, -0.2, 0.2, "bn_bias"),
                  self.uniform(c, -0.2, 0.2, "bn_mean"), self.uniform(c, 0.5, 2.0, "bn_var")]
        return self.op("BatchNormalization", [x, *params], epsilon=1e-5, momentum=0.9)

    def max_pool(self, x: str, k: int, stride: int, pad: int = 0) -> str:
        return self.op("MaxPool", [x], ceil_mode=0, dilations=[1, 1], kernel_shape=[k, k], pads=[pad] * 4,
                       strides=[stride, stride])

    def layer_norm(self, x: str, d: int) -> str:
        return self.op("LayerNormalization", [x, self.uniform(d, 0.9, 1.1, "ln_gamma"),
                                              self.uniform(d, -0.05, 0.05, "ln_beta")], axis=-1, epsilon=1e-12)

    def gelu(self, x: str) -> str:
        """Exact Gelu as torch exports it: x * 0.5 * (1 + erf(x / sqrt(2)))."""
        erf = self.op("Erf", [self.op("Div", [x, self.const(math.sqrt(2.0), "sqrt2")])])
        return self.op("Mul", [self.op("Mul", [x, self.op("Add", [erf, self.const(1.0, "one")])]),
                               self.const(0.5, "half")])

    def basic_block(self, x: str, c_in: int, c_out: int, stride: int) -> str:
        """ResNet basic block; a 1x1 strided projection with BN on the shortcut when the shape changes."""
        h = self.op("Relu", [self.batch_norm(self.conv(x, c_in, c_out, 3, stride=stride, pad=1, bias=False), c_out)])
        h = self.batch_norm(self.conv(h, c_out, c_out, 3, pad=1, bias=False), c_out)
        shortcut = x
        if stride != 1 or c_in != c_out:
            shortcut = self.batch_norm(self.conv(x, c_in, c_out, 1, stride=stride, bias=False), c_out)
        return self.op("Relu", [self.op("Add", [h, shortcut])])

    def model(self, name: str, inputs: list, outputs: list, output_name: str) -> onnx.ModelProto:
        """The checked model; the last node's first output is renamed ``output_name``."""
        self.nodes[-1].output[0] = output_name
        graph = helper.make_graph(self.nodes, name, inputs, outputs, self.initializers)
        producer_name, producer_version = self.producer
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                                  producer_name=producer_name, producer_version=producer_version)
        model.ir_version = IR_VERSION
        onnx.checker.check_model(model, full_check=True)
        return model


def _float_input(name: str, shape: list) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, FLOAT, shape)


# -- the built models ----------------------------------------------------------------------------

def mlp(seed: int = 0) -> onnx.ModelProto:
    """784-512-256-10, Gemm + Relu."""
    g = GraphBuilder(seed)
    h = g.op("Relu", [g.gemm("input", 784, 512)])
    h = g.op("Relu", [g.gemm(h, 512, 256)])
    g.gemm(h, 256, 10)
    return g.model("mlp", [_float_input("input", ["batch", 784])], [_float_input("logits", ["batch", 10])],
                   "logits")


def mnist_cnn(seed: int = 1) -> onnx.ModelProto:
    """MNIST-style: (Conv 3x3, Relu, MaxPool 2) x 2 with 16 and 32 channels, Gemm 1568-128-10, LogSoftmax."""
    g = GraphBuilder(seed)
    h = g.max_pool(g.op("Relu", [g.conv("input", 1, 16, 3, pad=1)]), 2, 2)    # 16 x 14 x 14
    h = g.max_pool(g.op("Relu", [g.conv(h, 16, 32, 3, pad=1)]), 2, 2)         # 32 x 7 x 7
    h = g.op("Flatten", [h], axis=1)
    h = g.op("Relu", [g.gemm(h, 32 * 7 * 7, 128)])
    g.op("LogSoftmax", [g.gemm(h, 128, 10)], axis=1)
    return g.model("mnist_cnn", [_float_input("input", ["batch", 1, 28, 28])],
                   [_float_input("log_probs", ["batch", 10])], "log_probs")


def resnet18(seed: int = 2) -> onnx.ModelProto:
    """torchvision's ResNet-18 layout on 3x224x224: stem, 4 stages of 2 basic blocks, 1000 classes."""
    g = GraphBuilder(seed)
    h = g.op("Relu", [g.batch_norm(g.conv("input", 3, 64, 7, stride=2, pad=3, bias=False), 64)])  # 112
    h = g.max_pool(h, 3, 2, pad=1)                                                                   # 56
    c_in = 64
    for c_out, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
        h = g.basic_block(h, c_in, c_out, stride)
        h = g.basic_block(h, c_out, c_out, 1)
        c_in = c_out
    h = g.op("Flatten", [g.op("GlobalAveragePool", [h])], axis=1)
    g.gemm(h, 512, 1000)
    return g.model("resnet18", [_float_input("input", ["batch", 3, 224, 224])],
                   [_float_input("logits", ["batch", 1000])], "logits")


VOCAB = 8000     # BERT's 30,522 would only make the embedding Gather's table bigger
MAX_POSITIONS = 512
SEQ = 128


def bert_encoder(hidden: int, heads: int, layers: int = 4, seed: int = 3) -> onnx.ModelProto:
    """BERT-style: word + position embeddings, LayerNorm, ``layers`` post-norm encoder layers.

    Inputs ``input_ids`` and ``attention_mask`` [batch, seq] int64; the mask becomes an additive
    [batch, 1, 1, seq] term as Hugging Face exports it ((1 - mask) * -10000). Weights ~ N(0, 0.02)
    as BERT initialises them; feed-forward 4 x hidden with exact Gelu (Erf).
    """
    g = GraphBuilder(seed)
    std, d_head, d_ff = 0.02, hidden // heads, 4 * hidden
    words = g.op("Gather", [g.normal((VOCAB, hidden), std, "word_embeddings"), "input_ids"], axis=0)
    seq_len = g.op("Gather", [g.op("Shape", ["input_ids"]), g.const(1, "dim", np.int64)], axis=0)
    positions = g.op("Range", [g.const(0, "start", np.int64), seq_len, g.const(1, "step", np.int64)])
    pos = g.op("Gather", [g.normal((MAX_POSITIONS, hidden), std, "position_embeddings"), positions], axis=0)
    x = g.layer_norm(g.op("Add", [words, pos]), hidden)

    mask = g.op("Unsqueeze", ["attention_mask", g.const([1, 2], "axes", np.int64)])      # [b, 1, 1, s]
    mask = g.op("Mul", [g.op("Sub", [g.const(1.0, "one"), g.op("Cast", [mask], to=FLOAT)]),
                        g.const(-10000.0, "mask_fill")])
    split_heads = g.const([0, 0, heads, d_head], "heads_shape", np.int64)
    merge_heads = g.const([0, 0, hidden], "hidden_shape", np.int64)
    for _ in range(layers):
        q = g.op("Transpose", [g.op("Reshape", [g.matmul_add(x, hidden, hidden, std), split_heads])], perm=[0, 2, 1, 3])
        k = g.op("Transpose", [g.op("Reshape", [g.matmul_add(x, hidden, hidden, std), split_heads])], perm=[0, 2, 3, 1])
        v = g.op("Transpose", [g.op("Reshape", [g.matmul_add(x, hidden, hidden, std), split_heads])], perm=[0, 2, 1, 3])
        scores = g.op("Div", [g.op("MatMul", [q, k]), g.const(math.sqrt(d_head), "sqrt_d")])
        probs = g.op("Softmax", [g.op("Add", [scores, mask])], axis=-1)
        ctx = g.op("Transpose", [g.op("MatMul", [probs, v])], perm=[0, 2, 1, 3])
        ctx = g.op("Reshape", [ctx, merge_heads])
        x = g.layer_norm(g.op("Add", [g.matmul_add(ctx, hidden, hidden, std), x]), hidden)
        ff = g.matmul_add(x, hidden, d_ff, std)
        x = g.layer_norm(g.op("Add", [g.matmul_add(g.gelu(ff), d_ff, hidden, std), x]), hidden)
    int64_in = [helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", "seq"])
                for n in ("input_ids", "attention_mask")]
    return g.model(f"bert_{layers}x{hidden}", int64_in, [_float_input("last_hidden_state", ["batch", "seq", hidden])],
                   "last_hidden_state")


LSTM_SEQ, LSTM_IN, LSTM_HIDDEN = 64, 128, 256


def lstm(seed: int = 4) -> onnx.ModelProto:
    """nn.LSTM(128, 256, num_layers=2, batch_first=True) over 64 steps, then a 10-class Gemm on h_n."""
    g = GraphBuilder(seed)
    x = g.op("Transpose", ["input"], perm=[1, 0, 2])                              # [seq, batch, in]
    bound = 1.0 / math.sqrt(LSTM_HIDDEN)                                           # torch's init
    n_in = LSTM_IN
    for layer in range(2):
        w = g.const(g.rng.uniform(-bound, bound, (1, 4 * LSTM_HIDDEN, n_in)), "lstm_W")
        r = g.const(g.rng.uniform(-bound, bound, (1, 4 * LSTM_HIDDEN, LSTM_HIDDEN)), "lstm_R")
        b = g.const(g.rng.uniform(-bound, bound, (1, 8 * LSTM_HIDDEN)), "lstm_B")
        y, y_h, _ = g.op("LSTM", [x, w, r, b], n_outputs=3, hidden_size=LSTM_HIDDEN)
        x = g.op("Squeeze", [y, g.const([1], "axes", np.int64)])                    # [seq, batch, hidden]
        n_in = LSTM_HIDDEN
    h = g.op("Squeeze", [y_h, g.const([0], "axes", np.int64)])                      # [batch, hidden]
    g.gemm(h, LSTM_HIDDEN, 10)
    return g.model("lstm", [_float_input("input", ["batch", LSTM_SEQ, LSTM_IN])],
                   [_float_input("logits", ["batch", 10])], "logits")


# -- scikit-learn models, when scikit-learn and skl2onnx are importable ----------------------------

SKLEARN_FEATURES = 20


def _sklearn_missing() -> str | None:
    import importlib.util

    missing = [m for m in ("sklearn", "skl2onnx") if importlib.util.find_spec(m) is None]
    return f"{' and '.join(missing)} not installed (needed only to build this model)" if missing else None


def sklearn_tree_model(kind: str, seed: int = 5):
    """The tree benchmark's model, its estimator and training rows (the tests check all three).

    ``random_forest``: RandomForestClassifier, 100 fully grown trees, binary, ZipMap off (outputs:
    label and probabilities); ``gradient_boosting``: GradientBoostingRegressor, 100 trees of depth
    3. Both trained on 2,000 rows of make_classification with 20 features (10 informative), via
    skl2onnx at target opset {'': 17, 'ai.onnx.ml': 3} (skl2onnx writes the lowest ai.onnx.ml
    revision its nodes need: 1 for float trees).
    """
    from skl2onnx import to_onnx
    from sklearn.datasets import make_classification
    from sklearn.ensemble import GradientBoostingRegressor, RandomForestClassifier

    x, y = make_classification(n_samples=2000, n_features=SKLEARN_FEATURES, n_informative=10, random_state=seed)
    x = x.astype(np.float32)
    if kind == "random_forest":
        est, options = RandomForestClassifier(n_estimators=100, random_state=seed).fit(x, y), {"zipmap": False}
    elif kind == "gradient_boosting":
        est, options = GradientBoostingRegressor(n_estimators=100, random_state=seed).fit(x, y), None
    else:
        raise ValueError(f"unknown tree benchmark model {kind!r}: expected random_forest or gradient_boosting")
    model = to_onnx(est, x[:1], target_opset={"": OPSET, "ai.onnx.ml": 3},
                    options={id(est): options} if options else None)
    model.ir_version = IR_VERSION
    return model, est, x


def sklearn_model(kind: str, seed: int = 5) -> onnx.ModelProto:
    """RandomForestClassifier or GradientBoostingRegressor, 100 trees on 20 features, via skl2onnx."""
    return sklearn_tree_model(kind, seed)[0]


# -- feeds ------------------------------------------------------------------------------------------

def generic_feeds(model: onnx.ModelProto, batch: int, seed: int = 0,
                  dims: dict[str, int] | None = None) -> Feeds:
    """Inputs of the declared types: the first symbolic dimension is ``batch``, others ``dims`` or 1.

    Floats are standard normal, integers uniform in [0, 10), booleans fair coins.
    """
    rng = np.random.default_rng(seed)
    inits = {t.name for t in model.graph.initializer}
    feeds = {}
    for vi in model.graph.input:
        if vi.name in inits:
            continue
        tt = vi.type.tensor_type
        if not vi.type.HasField("tensor_type"):
            raise ValueError(f"input {vi.name!r} is not a tensor: the benchmark cannot make it up")
        shape = []
        for i, d in enumerate(tt.shape.dim):
            if d.HasField("dim_value"):
                shape.append(d.dim_value)
            else:
                shape.append((dims or {}).get(d.dim_param, batch if i == 0 else 1))
        dtype = helper.tensor_dtype_to_np_dtype(tt.elem_type)
        if dtype.kind == "f":
            feeds[vi.name] = rng.standard_normal(shape).astype(dtype)
        elif dtype.kind in "iu":
            feeds[vi.name] = rng.integers(0, 10, size=shape).astype(dtype)
        elif dtype.kind == "b":
            feeds[vi.name] = rng.random(shape) > 0.5
        else:
            raise ValueError(f"input {vi.name!r} has element type {dtype}: the benchmark cannot make it up")
    return feeds


def bert_feeds(model: onnx.ModelProto, batch: int, seed: int = 0) -> Feeds:
    """Token ids over the vocabulary; masks of 1 with a zero (padded) tail of a different length per row."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, VOCAB, size=(batch, SEQ), dtype=np.int64)
    lengths = rng.integers(SEQ // 2, SEQ + 1, size=(batch, 1))
    if batch == 1:
        lengths[:] = SEQ
    return {"input_ids": ids, "attention_mask": (np.arange(SEQ)[None, :] < lengths).astype(np.int64)}


# -- the set ----------------------------------------------------------------------------------------

def _cached(name: str, build: Callable[[], onnx.ModelProto]) -> Callable[[pathlib.Path], pathlib.Path]:
    def path(cache: pathlib.Path) -> pathlib.Path:
        file = pathlib.Path(cache) / f"{name}-v{BUILD_VERSION}.onnx"
        if not file.exists():
            file.parent.mkdir(parents=True, exist_ok=True)
            tmp = file.with_suffix(".tmp")
            onnx.save(build(), tmp)
            tmp.replace(file)  # a half-written file never looks like a cached model
        return file
    return path


def _light_model(name: str) -> onnx.ModelProto:
    """The zoo model with the input of its final Softmax (the logits) as a second graph output.

    The light models' weights are constants (0.02), so in exact arithmetic all 1,000 logits are
    equal, and they are large (about 7e9 in squeezenet): their softmax depends on the last bit of
    each, which the BLAS's summation order decides (refrt with one OpenBLAS thread gives 0 for the
    last 4 classes, where onnxruntime gives 0.001 to all). The probabilities cannot be compared,
    the logits can: they are exposed and checked, the probabilities only for type, shape, NaNs and
    their sum (1 per image; onnx.reference's opset-9 Softmax, taken over the last axis, fails that).
    """
    file = LIGHT_DIR / f"{name}.onnx"
    if not file.exists():
        raise FileNotFoundError(f"{file} is not in this onnx install ({onnx.__version__})")
    model = onnx.load(file)
    last = model.graph.node[-1]
    if last.op_type == "Softmax" and last.output[0] == model.graph.output[0].name:
        model.graph.output.append(helper.make_tensor_value_info(last.input[0], FLOAT, None))
    return model


def _ends_in_softmax(name: str) -> bool:
    file = LIGHT_DIR / f"{name}.onnx"
    return file.exists() and onnx.load(file, load_external_data=False).graph.node[-1].op_type == "Softmax"


def user_case(path: str | pathlib.Path, batches: tuple[int, ...] = (1,), dims: dict[str, int] | None = None,
              rtol: float = RTOL, atol: float = ATOL) -> Case:
    """A user's own model file, with generic feeds (``refrt bench MODEL.onnx``)."""
    path = pathlib.Path(path)
    return Case(path.stem, f"user model {path}", batches, lambda cache: path,
                lambda model, batch: generic_feeds(model, batch, dims=dims), rtol, atol, tags=("user",))


def _refrt_lacks(domain: str, op: str, version: int) -> bool:
    from refrt import providers, registry

    providers.CPU.discover()
    return registry.lookup(domain, op, version, providers.CPU.name) is None


def _sklearn_case(name: str, kind: str, about: str, op: str) -> Case:
    """Skipped with every reason that holds: the converters are missing, refrt lacks the kernel.

    The kernel is looked up at ai.onnx.ml 1, the revision skl2onnx writes for float trees, and 3
    (what the target opset allows; LightGBM and XGBoost conversions use it).
    """
    reasons = [r for r in (_sklearn_missing(),) if r]
    if _refrt_lacks("ai.onnx.ml", op, 1) or _refrt_lacks("ai.onnx.ml", op, 3):
        reasons.append(f"refrt has no ai.onnx.ml {op} kernel yet (the ai.onnx.ml issue)")
    return Case(name, about, (1, 10_000), _cached(name, lambda: sklearn_model(kind)),
                generic_feeds, skip="; ".join(reasons) or None, tags=("sklearn",))


@functools.cache
def cases() -> dict[str, Case]:
    """The whole set by name (built on first use: it reads the light models and refrt's registry)."""
    out = [
        Case("mlp", "MLP 784-512-256-10 (Gemm, Relu)", (1, 256), _cached("mlp", mlp), generic_feeds,
             tags=("small",)),
        Case("mnist_cnn", "MNIST-style CNN: 2 x (Conv 3x3, Relu, MaxPool), 2 Gemm", (1, 64),
             _cached("mnist_cnn", mnist_cnn), generic_feeds, tags=("small",)),
        Case("resnet18", "ResNet-18, 3x224x224, BatchNormalization unfused", (1, 8),
             _cached("resnet18", resnet18), generic_feeds, rtol=1e-3, atol=1e-4),
        Case("bert_mini", f"BERT-style encoder: 4 layers, hidden 256, 4 heads, seq {SEQ}", (1, 8),
             _cached("bert_4x256", lambda: bert_encoder(256, 4)), bert_feeds, rtol=1e-3, atol=1e-4),
        Case("bert_base4", f"BERT-style encoder: 4 layers, hidden 768, 12 heads, seq {SEQ}", (1, 8),
             _cached("bert_4x768", lambda: bert_encoder(768, 12)), bert_feeds, rtol=1e-3, atol=1e-4),
        Case("lstm", f"2-layer LSTM, {LSTM_IN} -> {LSTM_HIDDEN}, {LSTM_SEQ} steps, Gemm to 10", (1, 32),
             _cached("lstm", lstm), generic_feeds, tags=("small",)),
    ]
    out += [Case(n, f"onnx model zoo, {n[len('light_'):]} (fixed input 1x3x224x224)", (1,),
                 _cached(n, lambda n=n: _light_model(n)), generic_feeds, rtol=1e-3, atol=1e-4, tags=("light",),
                 loose_outputs=(0,) if _ends_in_softmax(n) else ()) for n in LIGHT_MODELS]
    out += [_sklearn_case("random_forest", "random_forest", "scikit-learn RandomForestClassifier, 100 trees, "
                          "20 features", "TreeEnsembleClassifier"),
            _sklearn_case("gradient_boosting", "gradient_boosting", "scikit-learn GradientBoostingRegressor, "
                          "100 trees, 20 features", "TreeEnsembleRegressor")]
    return {c.name: c for c in out}


def select(names: list[str] | None) -> list[Case]:
    """Cases by name or tag (``small``, ``light``, ``sklearn``); a path ending in .onnx is a user model."""
    known = cases()
    if not names:
        return list(known.values())
    out: list[Case] = []
    for name in names:
        if name.endswith(".onnx"):
            out.append(user_case(name))
        elif name in known:
            out.append(known[name])
        elif any(name in c.tags for c in known.values()):
            out += [c for c in known.values() if name in c.tags]
        else:
            tags = sorted({t for c in known.values() for t in c.tags if t != "user"})
            raise SystemExit(f"unknown model {name!r}: expected a path to a .onnx file, one of "
                             f"{', '.join(known)}, or a tag ({', '.join(tags)})")
    return list(dict.fromkeys(out))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.models", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="models or tags (default: all)")
    parser.add_argument("--cache", type=pathlib.Path, default=CACHE_DIR)
    parser.add_argument("--list", action="store_true", help="list without building")
    args = parser.parse_args(argv)
    for case in select(args.names):
        line = f"{case.name:<20} batches {'/'.join(map(str, case.batches)):<9} {case.about}"
        if case.skip:
            print(f"{line}\n{'':<20} skipped: {case.skip}")
        elif args.list:
            print(line)
        else:
            path = case.path(args.cache)
            print(f"{line}\n{'':<20} {path} ({path.stat().st_size / 2**20:.1f} MiB)")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
