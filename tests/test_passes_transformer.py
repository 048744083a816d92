"""Transformer fusions (ORT_ENABLE_EXTENDED): LayerNorm, RMSNorm, Gelu / BiasGelu, SkipLayerNorm,
multi-head attention and elementwise chains, in the style of onnxruntime's graph transformer tests.

Each test builds a small graph the way exporters write it, runs it at ORT_DISABLE_ALL and at
ORT_ENABLE_EXTENDED, compares the numbers (and with onnxruntime, the oracle), then checks the
optimized graph's op counts. Each fusion also has near misses that must be left alone.
"""

from __future__ import annotations

import math
import sys
from collections import Counter

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

import refrt

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from models import EXPORTED_MODELS, make_feeds  # noqa: E402

OFF = refrt.GraphOptimizationLevel.ORT_DISABLE_ALL
EXTENDED = refrt.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
FLOAT = TensorProto.FLOAT
RNG = np.random.default_rng(0)


class Builder:
    """Nodes and constants of a test graph; ``op`` returns the (first) output's name."""

    def __init__(self):
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self.n = 0

    def const(self, value, dtype=np.float32) -> str:
        self.n += 1
        name = f"c{self.n}"
        self.inits.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    def op(self, op_type: str, inputs: list[str], out: str | None = None, **attrs) -> str:
        self.n += 1
        out = out or f"{op_type.lower()}{self.n}"
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=f"n{self.n}", **attrs))
        return out

    def reduce_mean(self, x: str, axes: list[int], opset: int) -> str:
        if opset >= 18:
            return self.op("ReduceMean", [x, self.const(axes, np.int64)], keepdims=1)
        return self.op("ReduceMean", [x], axes=axes, keepdims=1)

    def model(self, inputs: dict[str, list], outputs: list[str], opset: int = 17,
              int_inputs: tuple[str, ...] = (), elem=FLOAT) -> onnx.ModelProto:
        ins = [helper.make_tensor_value_info(n, TensorProto.INT64 if n in int_inputs else elem, s)
               for n, s in inputs.items()]
        outs = [helper.make_tensor_value_info(o, elem, None) for o in outputs]
        graph = helper.make_graph(self.nodes, "test", ins, outs, self.inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
        model.ir_version = 8 if opset <= 17 else 10
        return model


def session(model: onnx.ModelProto, level, **config) -> refrt.InferenceSession:
    so = refrt.SessionOptions()
    so.graph_optimization_level = level
    for k, v in config.items():
        so.add_session_config_entry(k, v)
    return refrt.InferenceSession(model.SerializeToString(), so)


def ops(sess: refrt.InferenceSession) -> Counter:
    return Counter(f"{n.domain}:{n.op_type}" if n.domain else n.op_type for n in sess._compiled.graph.nodes)


def check(model: onnx.ModelProto, feeds: dict, *, rtol=1e-5, atol=1e-5, oracle=True) -> Counter:
    """Same results unoptimized, optimized and in onnxruntime; the optimized graph's op counts."""
    expected = session(model, OFF).run(None, feeds)
    sess = session(model, EXTENDED)
    for want, got in zip(expected, sess.run(None, feeds)):
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)
    if oracle:
        so = ort.SessionOptions()
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        theirs = ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])
        for want, got in zip(theirs.run(None, feeds), sess.run(None, feeds)):
            np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)
    return ops(sess)


def normal(*shape) -> np.ndarray:
    return RNG.standard_normal(shape).astype(np.float32)


# -- LayerNormalization -------------------------------------------------------------------------

def layer_norm_graph(*, opset=17, square="pow", divide="div", two_subs=False, swap=False, axes=(-1,),
                     affine=True, shape=("batch", 5, 16)) -> onnx.ModelProto:
    b = Builder()
    norm_shape = [16] if len(axes) == 1 else [5, 16]
    mean = b.reduce_mean("x", list(axes), opset)
    d = b.op("Sub", ["x", mean])
    d2 = b.op("Sub", ["x", mean]) if two_subs else d
    sq = b.op("Pow", [d, b.const(2.0)]) if square == "pow" else b.op("Mul", [d, d])
    std = b.op("Sqrt", [b.op("Add", [b.reduce_mean(sq, list(axes), opset), b.const(1e-5)])])
    if divide == "div":
        y = b.op("Div", [d2, std])
    else:
        y = b.op("Mul", [d2, b.op("Reciprocal", [std])])
    if affine:
        gamma, beta = b.const(RNG.uniform(0.5, 1.5, norm_shape)), b.const(RNG.uniform(-0.1, 0.1, norm_shape))
        y = b.op("Mul", [gamma, y] if swap else [y, gamma])
        y = b.op("Add", [beta, y] if swap else [y, beta])
    b.op("Identity", [y], "y")
    return b.model({"x": list(shape)}, ["y"], opset)


@pytest.mark.parametrize("variant", [
    dict(), dict(square="mul"), dict(divide="reciprocal"), dict(two_subs=True), dict(swap=True),
    dict(opset=18), dict(axes=(-2, -1), shape=(3, 5, 16)), dict(affine=False, shape=(3, 5, 16)),
], ids=["pow-div", "mul-square", "reciprocal", "two-subs", "swapped-operands", "axes-input", "two-axes", "no-affine"])
def test_layer_norm_pattern_becomes_layer_normalization_17(variant):
    counts = check(layer_norm_graph(**variant), {"x": normal(3, 5, 16)})
    assert counts["LayerNormalization"] == 1 and sum(counts.values()) == 1  # the Identity naming y is gone too (BASIC)


def test_layer_norm_before_opset_17_is_refrt_layer_normalization():
    counts = check(layer_norm_graph(opset=13), {"x": normal(3, 5, 16)})
    assert counts["refrt:LayerNormalization"] == 1 and sum(counts.values()) == 1


def test_layer_norm_saved_model_runs_in_onnxruntime(tmp_path):
    path = str(tmp_path / "ln.onnx")
    so = refrt.SessionOptions()
    so.optimized_model_filepath = path
    so.graph_optimization_level = EXTENDED
    model = layer_norm_graph()
    x = normal(2, 5, 16)
    ours = refrt.InferenceSession(model.SerializeToString(), so).run(None, {"x": x})[0]
    assert [n.op_type for n in onnx.load(path).graph.node] == ["LayerNormalization"]
    theirs = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)


def test_layer_norm_near_misses_are_left_alone():
    x = normal(3, 5, 16)
    for model in (layer_norm_graph(axes=(1,), shape=(3, 5, 16)),  # not the trailing axes
                  layer_norm_graph(affine=False, shape=(3, 5, "d"))):  # no gamma, no static size for ones
        assert ops(session(model, EXTENDED))["ReduceMean"] == 2
        check(model, {"x": x})
    model = layer_norm_graph()  # the variance is also a graph output
    var = next(n for n in model.graph.node if n.op_type == "ReduceMean" and "pow" in n.input[0]).output[0]
    model.graph.output.append(helper.make_tensor_value_info(var, FLOAT, None))
    counts = check(model, {"x": x})
    assert "LayerNormalization" not in counts
    model = layer_norm_graph()  # keepdims=0 on the mean: not the pattern
    next(n for n in model.graph.node if n.op_type == "ReduceMean").attribute[1].i = 0
    assert "LayerNormalization" not in ops(session(model, EXTENDED))


# -- RMSNormalization ---------------------------------------------------------------------------

def rms_norm_graph(*, opset=17, square="pow", inverse="div", gamma=True, x_for_scale="x") -> onnx.ModelProto:
    b = Builder()
    sq = b.op("Pow", ["x", b.const(2.0)]) if square == "pow" else b.op("Mul", ["x", "x"])
    s = b.op("Sqrt", [b.op("Add", [b.reduce_mean(sq, [-1], opset), b.const(1e-6)])])
    if inverse == "div":
        y = b.op("Div", [x_for_scale, s])
    elif inverse == "reciprocal":
        y = b.op("Mul", [x_for_scale, b.op("Reciprocal", [s])])
    else:  # torch.rsqrt as older exporters write it: Div(1, Sqrt)
        y = b.op("Mul", [b.op("Div", [b.const(1.0), s]), x_for_scale])
    if gamma:
        y = b.op("Mul", [b.const(RNG.uniform(0.5, 1.5, 16)), y])
    b.op("Identity", [y], "y")
    return b.model({"x": ["batch", 4, 16], "x2": ["batch", 4, 16]}, ["y"], opset)


@pytest.mark.parametrize("variant", [dict(), dict(square="mul", inverse="reciprocal"), dict(inverse="one-over")],
                         ids=["pow-div", "mul-reciprocal", "div-one"])
def test_rms_norm_pattern_becomes_refrt_rms_normalization(variant):
    counts = check(rms_norm_graph(**variant), {"x": normal(2, 4, 16), "x2": normal(2, 4, 16)})
    assert counts["refrt:RMSNormalization"] == 1 and sum(counts.values()) == 1


def test_rms_norm_at_opset_23_is_the_standard_op():
    counts = check(rms_norm_graph(opset=23), {"x": normal(2, 4, 16), "x2": normal(2, 4, 16)})
    assert counts["RMSNormalization"] == 1 and sum(counts.values()) == 1


def test_rms_norm_near_misses_are_left_alone():
    feeds = {"x": normal(2, 4, 16), "x2": normal(2, 4, 16)}
    counts = check(rms_norm_graph(x_for_scale="x2"), feeds)  # scales another tensor than it measured
    assert "refrt:RMSNormalization" not in counts and counts["ReduceMean"] == 1
    model = rms_norm_graph()  # the mean square is also a graph output
    ms = next(n for n in model.graph.node if n.op_type == "ReduceMean").output[0]
    model.graph.output.append(helper.make_tensor_value_info(ms, FLOAT, None))
    counts = check(model, feeds)
    assert "refrt:RMSNormalization" not in counts and counts["ReduceMean"] == 1
    # without gamma the normalised dim (16) is static: fused, with a Scale of ones
    assert ops(session(rms_norm_graph(gamma=False), EXTENDED))["refrt:RMSNormalization"] == 1


# -- Gelu / BiasGelu ----------------------------------------------------------------------------

def gelu_graph(form: str, *, opset=17, bias=False, half=0.5, tap_erf=False) -> onnx.ModelProto:
    b = Builder()
    x = b.op("Add", [b.op("MatMul", ["x", b.const(normal(8, 16) * 0.3)]), b.const(normal(16) * 0.1)]) if bias else "x"
    if form in ("exact", "exact-half-first", "exact-half-last", "exact-mul"):
        if form == "exact-mul":
            u = b.op("Mul", [x, b.const(1 / math.sqrt(2))])
        else:
            u = b.op("Div", [x, b.const(math.sqrt(2))])
        h = b.op("Add", [b.op("Erf", [u], "erf_out" if tap_erf else None), b.const(1.0)])
    else:
        if form == "tanh-pow":
            inner = b.op("Add", [x, b.op("Mul", [b.op("Pow", [x, b.const(3.0)]), b.const(0.044715)])])
        elif form == "tanh-mul":
            inner = b.op("Add", [b.op("Mul", [b.const(0.044715), b.op("Mul", [x, b.op("Mul", [x, x])])]), x])
        else:  # Megatron: x * (1 + 0.044715 * x * x)
            inner = b.op("Mul", [x, b.op("Add", [b.const(1.0), b.op("Mul", [b.op("Mul", [x, x]), b.const(0.044715)])])])
        h = b.op("Add", [b.const(1.0), b.op("Tanh", [b.op("Mul", [b.const(math.sqrt(2 / math.pi)), inner])])])
    if form == "exact-half-first":
        y = b.op("Mul", [b.op("Mul", [x, b.const(half)]), h])
    elif form == "exact-half-last":
        y = b.op("Mul", [x, b.op("Mul", [h, b.const(half)])])
    else:
        y = b.op("Mul", [b.op("Mul", [x, h]), b.const(half)])
    b.op("Identity", [y], "y")
    outputs = ["y", "erf_out"] if tap_erf else ["y"]
    return b.model({"x": ["batch", 8] if bias else ["batch", 16]}, outputs, opset)


@pytest.mark.parametrize("form", ["exact", "exact-half-first", "exact-half-last", "exact-mul",
                                  "tanh-pow", "tanh-mul", "tanh-megatron"])
def test_gelu_forms_become_one_gelu(form):
    x = (normal(64, 16) * 3)
    x[0, :4] = [0, -8, 8, 40]
    counts = check(gelu_graph(form), {"x": x}, rtol=1e-5, atol=2e-6)
    assert counts == Counter({"refrt:Gelu": 1})


def test_gelu_at_opset_20_is_the_standard_op():
    counts = check(gelu_graph("exact", opset=20), {"x": normal(4, 16)})
    assert counts == Counter({"Gelu": 1})


@pytest.mark.parametrize("form", ["exact", "tanh-pow"])
def test_bias_then_gelu_becomes_bias_gelu(form):
    counts = check(gelu_graph(form, bias=True), {"x": normal(5, 8)}, atol=2e-6)
    assert counts == Counter({"MatMul": 1, "refrt:BiasGelu": 1})


def test_gelu_near_misses_are_left_alone():
    x = normal(4, 16)
    counts = check(gelu_graph("exact", half=0.6), {"x": x})  # not 0.5
    assert counts["Erf"] == 1 and "refrt:Gelu" not in counts
    counts = check(gelu_graph("exact", tap_erf=True), {"x": x})  # erf's result is also a graph output
    assert counts["Erf"] == 1 and "refrt:Gelu" not in counts


def test_float32_gelu_kernel_is_close_to_the_exact_function():
    from refrt.kernels.numpy._fused_util import gelu

    x = np.concatenate([np.linspace(-10, 10, 20001), [0, -0.0, 1e-30, -1e-30, 3e38, -3e38]]).astype(np.float32)
    exact = np.array([v * 0.5 * math.erfc(-v / math.sqrt(2)) for v in x.astype(np.float64)])
    got = gelu(x).astype(np.float64)
    assert np.max(np.abs(got - exact) / np.maximum(np.abs(x), 1)) < 5e-7
    special = gelu(np.array([np.inf, -np.inf, np.nan], np.float32))
    assert special[0] == np.inf and np.isnan(special[1]) and np.isnan(special[2])  # -inf * 0, as onnxruntime
    assert gelu(np.array(1.0, np.float32)).shape == () and gelu(np.array(1.0, np.float16), "tanh").dtype == np.float16
    tanh = gelu(x, "tanh").astype(np.float64)
    want = 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x.astype(np.float64) ** 3)))
    assert np.max(np.abs(tanh - want) / np.maximum(np.abs(x), 1)) < 5e-7


# -- SkipLayerNormalization ---------------------------------------------------------------------

def skip_ln_graph(*, bias=False, sum_read=False, axis=-1, stats=False, opset=17) -> onnx.ModelProto:
    b = Builder()
    a = b.op("MatMul", ["x", b.const(normal(16, 16) * 0.3)])
    if bias:
        a = b.op("Add", [a, b.const(normal(16) * 0.1)])
    s = b.op("Add", [a, "skip"], "sum" if sum_read else None)
    params = [b.const(RNG.uniform(0.5, 1.5, 16)), b.const(RNG.uniform(-0.1, 0.1, 16))]
    outs = ["y", "mean"] if stats else ["y"]
    b.nodes.append(helper.make_node("LayerNormalization", [s, *params], outs, axis=axis, epsilon=1e-5))
    if sum_read:
        b.op("Relu", [s], "after")
    return b.model({"x": ["batch", 7, 16], "skip": ["batch", 7, 16]},
                   outs + (["sum", "after"] if sum_read else []), opset)


@pytest.mark.parametrize("variant", [dict(), dict(bias=True), dict(sum_read=True), dict(bias=True, sum_read=True)],
                         ids=["plain", "bias", "sum-read", "bias-sum-read"])
def test_residual_add_and_layer_norm_become_skip_layer_normalization(variant):
    counts = check(skip_ln_graph(**variant), {"x": normal(2, 7, 16), "skip": normal(2, 7, 16)})
    assert counts["refrt:SkipLayerNormalization"] == 1 and "Add" not in counts and "LayerNormalization" not in counts


def test_skip_layer_norm_takes_the_fused_primitive_layer_norm_too():
    b = Builder()
    s = b.op("Add", ["x", "skip"])
    mean = b.reduce_mean(s, [-1], 13)
    d = b.op("Sub", [s, mean])
    var = b.reduce_mean(b.op("Pow", [d, b.const(2.0)]), [-1], 13)
    y = b.op("Div", [d, b.op("Sqrt", [b.op("Add", [var, b.const(1e-12)])])])
    b.op("Add", [b.op("Mul", [y, b.const(RNG.uniform(0.5, 1.5, 16))]), b.const(np.zeros(16))], "y")
    model = b.model({"x": ["batch", 16], "skip": ["batch", 16]}, ["y"], 13)
    counts = check(model, {"x": normal(3, 16), "skip": normal(3, 16)})
    assert counts == Counter({"refrt:SkipLayerNormalization": 1})


def test_skip_layer_norm_near_misses_are_left_alone():
    feeds = {"x": normal(2, 7, 16), "skip": normal(2, 7, 16)}
    for model in (skip_ln_graph(stats=True),  # LayerNorm's Mean output is read
                  skip_ln_graph(axis=1)):     # normalises over more than the last axis
        counts = check(model, feeds, oracle=False)
        assert "refrt:SkipLayerNormalization" not in counts and counts["LayerNormalization"] == 1


# -- attention ----------------------------------------------------------------------------------

def bert_layer(hidden=32, heads=4, *, opset=17, static=False, mask=True, scale="div", keys="direct",
               cross=False, softmax_axis=-1, tap_scores=False) -> onnx.ModelProto:
    """BERT self-attention as the exporter writes it (see tests/models.py for a whole encoder)."""
    b = Builder()
    d = hidden // heads
    if static:
        split = b.const([0, 0, heads, d], np.int64)
        merge = b.const([0, 0, hidden], np.int64)
    else:
        shape = b.op("Shape", ["x"])
        dims = [b.op("Unsqueeze", [b.op("Gather", [shape, b.const(i, np.int64)], axis=0), b.const([0], np.int64)])
                for i in (0, 1)]
        split = b.op("Concat", [*dims, b.const([heads, d], np.int64)], axis=0)
        merge = b.op("Concat", [*dims, b.const([hidden], np.int64)], axis=0)

    def project(x):
        return b.op("Add", [b.op("MatMul", [x, b.const(normal(hidden, hidden) * 0.2)]), b.const(normal(hidden) * 0.1)])

    q = b.op("Transpose", [b.op("Reshape", [project("x"), split])], perm=[0, 2, 1, 3])
    kv_in = "memory" if cross else "x"
    k_split = split
    if cross:  # K and V have the memory's length: their own shape
        shape_m = b.op("Shape", ["memory"])
        dims_m = [b.op("Unsqueeze", [b.op("Gather", [shape_m, b.const(i, np.int64)], axis=0), b.const([0], np.int64)])
                  for i in (0, 1)]
        k_split = b.op("Concat", [*dims_m, b.const([heads, d], np.int64)], axis=0)
    if keys == "direct":
        k = b.op("Transpose", [b.op("Reshape", [project(kv_in), k_split])], perm=[0, 2, 3, 1])
    else:
        k = b.op("Transpose", [b.op("Transpose", [b.op("Reshape", [project(kv_in), k_split])], perm=[0, 2, 1, 3])],
                 perm=[0, 1, 3, 2])
    v = b.op("Transpose", [b.op("Reshape", [project(kv_in), k_split])], perm=[0, 2, 1, 3])
    scores = b.op("MatMul", [q, k], "scores" if tap_scores else None)
    if scale == "div":
        scores = b.op("Div", [scores, b.const(math.sqrt(d))])
    elif scale == "mul":
        scores = b.op("Mul", [scores, b.const(1 / math.sqrt(d))])
    if mask:
        m = b.op("Cast", [b.op("Unsqueeze", ["attention_mask", b.const([1, 2], np.int64)])], to=FLOAT)
        m = b.op("Mul", [b.op("Sub", [b.const(1.0), m]), b.const(-10000.0)])
        scores = b.op("Add", [scores, m])
    probs = b.op("Softmax", [scores], **({} if softmax_axis is None else {"axis": softmax_axis}))
    ctx = b.op("Transpose", [b.op("MatMul", [probs, v])], perm=[0, 2, 1, 3])
    b.op("Reshape", [ctx, merge], "y")
    inputs = {"x": ["batch", "seq", hidden], "attention_mask": ["batch", "kv_seq" if cross else "seq"]}
    if cross:
        inputs["memory"] = ["batch", "kv_seq", hidden]
    return b.model(inputs, ["y"] + (["scores"] if tap_scores else []), opset, int_inputs=("attention_mask",))


def attention_feeds(hidden=32, batch=2, seq=6, kv_seq=None) -> dict:
    kv = kv_seq or seq
    mask = np.ones((batch, kv), np.int64)
    mask[1, kv - 2:] = 0
    feeds = {"x": normal(batch, seq, hidden), "attention_mask": mask}
    if kv_seq:
        feeds["memory"] = normal(batch, kv_seq, hidden)
    return feeds


@pytest.mark.parametrize("variant", [dict(), dict(static=True), dict(keys="swapped"), dict(scale="mul"),
                                     dict(mask=False, scale="none"), dict(softmax_axis=None, opset=13)],
                         ids=["dynamic-shapes", "static-shapes", "double-transpose-keys", "mul-scale",
                              "no-mask-no-scale", "default-softmax-axis"])
def test_bert_self_attention_becomes_packed_multi_head_attention(variant):
    counts = check(bert_layer(**variant), attention_feeds())
    assert counts["refrt:MultiHeadAttention"] == 1
    assert counts["refrt:FusedMatMul"] + counts["MatMul"] == 1  # one packed projection for Q, K and V
    assert not {"Softmax", "Transpose", "Reshape"} & set(counts)


def test_cross_attention_keeps_separate_projections():
    counts = check(bert_layer(cross=True), attention_feeds(kv_seq=9))
    assert counts["refrt:MultiHeadAttention"] == 1 and counts["refrt:FusedMatMul"] + counts["MatMul"] == 3


def test_attention_at_opset_23_is_the_standard_op():
    counts = check(bert_layer(opset=23, static=True), attention_feeds())
    assert counts["Attention"] == 1 and "Softmax" not in counts


def test_attention_near_misses_are_left_alone():
    feeds = attention_feeds()
    for model in (bert_layer(softmax_axis=2),     # softmax over the queries
                  bert_layer(tap_scores=True)):   # the raw scores are a graph output
        counts = check(model, feeds)
        assert "refrt:MultiHeadAttention" not in counts and counts["Softmax"] == 1


def test_attention_reads_the_head_count_from_the_reshape():
    model = bert_layer(static=True)
    split = model.graph.initializer[0]
    split.CopyFrom(numpy_helper.from_array(np.array([0, 0, 2, 16], np.int64), split.name))
    counts = check(model, attention_feeds())
    assert counts["refrt:MultiHeadAttention"] == 1
    node = next(n for n in session(model, EXTENDED)._compiled.graph.nodes if n.op_type == "MultiHeadAttention")
    assert node.attributes["num_heads"].i == 2


# -- elementwise chains -------------------------------------------------------------------------

def test_elementwise_chain_becomes_one_node_with_identical_results():
    b = Builder()
    y = b.op("Mul", [b.op("Sub", [b.const(1.0), "m"]), b.const(-10000.0)])       # the mask arithmetic
    b.op("Identity", [y], "mask")
    z = b.op("Relu", [b.op("Add", ["x", "x2"])])
    z = b.op("Sigmoid", [b.op("Mul", [z, "x2"])])
    z = b.op("Clip", [b.op("Pow", [z, b.const(2.0)]), b.const(0.1), b.const(0.6)])
    b.op("Sqrt", [b.op("Div", [b.const(np.arange(1, 5)), z])], "z")
    model = b.model({"m": [3, 4], "x": [3, 4], "x2": [3, 4]}, ["mask", "z"])
    feeds = {"m": np.array([[1, 1, 0, 0]] * 3, np.float32), "x": normal(3, 4), "x2": normal(3, 4)}
    counts = check(model, feeds)
    assert counts == Counter({"refrt:FusedElementwise": 2})
    for want, got in zip(session(model, OFF).run(None, feeds), session(model, EXTENDED).run(None, feeds)):
        np.testing.assert_array_equal(got, want)  # the same NumPy functions in the same order
    chains = {tuple(n.attributes["ops"].strings): list(n.attributes["operands"].ints)
              for n in session(model, EXTENDED)._compiled.graph.nodes}
    assert chains[b"Sub", b"Mul"] == [1, 0, -1, 2]  # inputs (m, 1.0, -10000.0); -1: the chain's value


def test_elementwise_chain_near_misses_are_left_alone():
    b = Builder()
    h = b.op("Add", ["x", "x2"], "h")                       # a graph output in the middle
    b.op("Relu", [h], "r")
    w = b.op("Mul", [b.op("Exp", ["x"]), "row"])           # an operand that widens: not the chain's shape
    b.op("Neg", [w], "w")
    model = b.model({"x": [3, 4], "x2": [3, 4], "row": [2, 1, 4]}, ["h", "r", "w"])
    counts = check(model, {"x": normal(3, 4), "x2": normal(3, 4), "row": normal(2, 1, 4)})
    assert "refrt:FusedElementwise" in counts  # only Mul -> Neg (the widening Mul heads its own chain)
    assert counts["Add"] == 1 and counts["Relu"] == 1 and counts["Exp"] == 1
    b = Builder()  # integer chains keep their own kernels (C-like division)
    b.nodes.append(helper.make_node("Div", ["i", "j"], ["q"]))
    b.nodes.append(helper.make_node("Add", ["q", "j"], ["s"]))
    graph = helper.make_graph(b.nodes, "ints", [helper.make_tensor_value_info(n, TensorProto.INT64, [3]) for n in "ij"],
                              [helper.make_tensor_value_info("s", TensorProto.INT64, [3])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    assert "refrt:FusedElementwise" not in ops(session(model, EXTENDED))


def test_fused_elementwise_kernel_widens_when_an_operand_broadcasts():
    from refrt.kernels.numpy.op_fused_elementwise import fused_elementwise

    run = fused_elementwise(ops=["Neg", "Add", "Relu"], operands=[0, -1, 1, -1])
    x, row = np.array([1.0, -2.0], np.float32), np.ones((3, 1), np.float32)
    np.testing.assert_array_equal(run(x, row), np.maximum(-x + row, 0))
    assert run(np.float32(2), np.float32(1)).shape == ()


# -- whole models -------------------------------------------------------------------------------

def test_exported_encoder_layer_fuses_every_transformer_pattern():
    model = EXPORTED_MODELS["transformer_encoder"]()
    counts = check(model, make_feeds(model, 2, seq=7), atol=2e-5)
    assert counts["refrt:MultiHeadAttention"] == 1
    assert counts["refrt:SkipLayerNormalization"] == 2  # the LayerNorm op and the primitive one
    assert counts["refrt:BiasGelu"] == 1
    assert counts["refrt:FusedElementwise"] == 1      # (1 - mask) * -10000
    assert not {"Softmax", "Erf", "ReduceMean", "LayerNormalization", "Transpose"} & set(counts)


def test_passes_can_be_switched_off_by_name():
    model = EXPORTED_MODELS["transformer_encoder"]()
    names = ("fuse_attention,fuse_gelu,fuse_skip_layer_normalization,fuse_layer_normalization,fuse_rms_normalization,"
             "fuse_elementwise_chain")
    counts = ops(session(model, EXTENDED, **{"session.disable_optimizers": names}))
    assert counts["Softmax"] == 1 and counts["Erf"] == 1
    assert counts["ReduceMean"] == 2 and counts["LayerNormalization"] == 1


def test_float16_layer_norm_and_gelu_fuse_and_compute_in_float32():
    b = Builder()
    h = np.float16
    mean = b.reduce_mean("x", [-1], 17)
    d = b.op("Sub", ["x", mean])
    var = b.reduce_mean(b.op("Pow", [d, b.const(2.0, h)]), [-1], 17)
    y = b.op("Div", [d, b.op("Sqrt", [b.op("Add", [var, b.const(1e-5, h)])])])
    y = b.op("Add", [b.op("Mul", [y, b.const(RNG.uniform(0.5, 1.5, 16), h)]), b.const(np.zeros(16), h)])
    e = b.op("Add", [b.op("Erf", [b.op("Div", [y, b.const(math.sqrt(2), h)])]), b.const(1.0, h)])
    b.op("Mul", [b.op("Mul", [y, e]), b.const(0.5, h)], "y")
    model = b.model({"x": ["batch", 16]}, ["y"], elem=TensorProto.FLOAT16)
    counts = check(model, {"x": normal(4, 16).astype(h)}, rtol=1e-2, atol=1e-2)
    assert counts == Counter({"LayerNormalization": 1, "refrt:Gelu": 1})


def test_saved_model_with_refrt_ops_runs_again_in_refrt(tmp_path):
    model = EXPORTED_MODELS["transformer_encoder"]()
    feeds = make_feeds(model, 2, seq=5)
    so = refrt.SessionOptions()
    so.graph_optimization_level = EXTENDED
    so.optimized_model_filepath = str(tmp_path / "encoder.onnx")
    expected = refrt.InferenceSession(model.SerializeToString(), so).run(None, feeds)
    saved = onnx.load(so.optimized_model_filepath)
    assert {o.domain: o.version for o in saved.opset_import}["refrt"] == 1
    again = session(saved, OFF)
    assert ops(again)["refrt:MultiHeadAttention"] == 1
    np.testing.assert_allclose(again.run(None, feeds)[0], expected[0], rtol=1e-6, atol=1e-6)


def test_fused_kernels_write_into_their_input_at_enable_all():
    b = Builder()
    h = b.op("MatMul", ["x", b.const(normal(16, 16))])
    r = b.op("Relu", [b.op("Mul", [b.op("Add", [h, "x"]), b.const(0.5)])])  # a chain over the MatMul's fresh output
    s = b.op("Add", [b.op("MatMul", [r, b.const(normal(16, 16))]), "x"])     # residual + LayerNorm over a fresh sum
    b.nodes.append(helper.make_node("LayerNormalization", [s, b.const(np.ones(16)), b.const(np.zeros(16))], ["y"]))
    model = b.model({"x": ["batch", 16]}, ["y"])
    feeds = {"x": normal(3, 16)}
    sess = session(model, refrt.GraphOptimizationLevel.ORT_ENABLE_ALL)
    np.testing.assert_allclose(sess.run(None, feeds)[0], session(model, OFF).run(None, feeds)[0], rtol=1e-5, atol=1e-5)
    marked = {n.op_type for n in sess._compiled.graph.nodes if "inplace" in n.attributes}
    assert marked == {"FusedElementwise", "SkipLayerNormalization"}


def test_in_place_kernels_leave_inputs_they_may_not_overwrite():
    from refrt.kernels.numpy.op_bias_gelu import bias_gelu
    from refrt.kernels.numpy.op_fused_elementwise import fused_elementwise
    from refrt.kernels.numpy.op_skip_layer_normalization import skip_layer_normalization

    x = normal(4, 8)
    frozen = x.copy()
    frozen.flags.writeable = False
    np.testing.assert_array_equal(bias_gelu(frozen, np.ones(8, np.float32), inplace=1),
                                  bias_gelu(x.copy(), np.ones(8, np.float32)))
    x_again = fused_elementwise(ops=["Relu", "Mul"], operands=[0, -1, 0], inplace=1)  # x read twice: no reuse
    y = x.copy()
    np.testing.assert_array_equal(x_again(y), np.maximum(x, 0) * x)
    np.testing.assert_array_equal(y, x)
    own = x.copy()
    out = skip_layer_normalization(own, x, np.ones(8, np.float32), inplace=1)
    np.testing.assert_allclose(out, skip_layer_normalization(x, x, np.ones(8, np.float32)), rtol=1e-6)
