"""Conv/Gemm/MatMul fusions (ORT_ENABLE_EXTENDED) and weight pre-packing / in-place marking (ORT_ENABLE_ALL),
in the style of onnxruntime's transformer tests: a small graph, run unoptimized and at the pass's level
(and in onnxruntime), numbers compared, then the structure (op counts). Each fusion also has cases
that almost match and must be left alone.
"""

from __future__ import annotations

import sys
from collections import Counter

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import refrt
from oracle import assert_same, run_ort
from refrt import ir
from refrt.passes._rewrite import REFRT_DOMAIN
from refrt.passes.fuse_conv_bn import fuse_conv_bn
from refrt.passes.mark_inplace import mark_inplace
from refrt.providers import CPU, Provider

F = TensorProto.FLOAT
LEVEL = refrt.GraphOptimizationLevel
RNG = np.random.default_rng(0)
X = RNG.standard_normal((2, 3, 8, 8)).astype(np.float32)


def vi(name, shape, elem=F):
    return helper.make_tensor_value_info(name, elem, shape)


def const(name, value, dtype=np.float32):
    return numpy_helper.from_array(np.asarray(value, dtype), name)


def model(nodes, inputs, outputs, inits=(), opset=17) -> onnx.ModelProto:
    graph = helper.make_graph(nodes, "g", inputs, outputs, list(inits))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                             ir_version=8 if opset <= 18 else 9)


def session(m: onnx.ModelProto, level) -> refrt.InferenceSession:
    so = refrt.SessionOptions()
    so.graph_optimization_level = level
    return refrt.InferenceSession(m.SerializeToString(), so)


def check(m: onnx.ModelProto, feeds: dict, level=LEVEL.ORT_ENABLE_EXTENDED, *, ort=True, rtol=1e-5, atol=1e-5):
    """Same results unoptimized, at ``level`` and in onnxruntime; the optimized session back."""
    expected = session(m, LEVEL.ORT_DISABLE_ALL).run(None, feeds)
    sess = session(m, level)
    assert_same(expected, sess.run(None, feeds), rtol=rtol, atol=atol)
    if ort:
        assert_same(run_ort(m, feeds), sess.run(None, feeds), rtol=rtol, atol=atol)
    return sess


def ops(sess: refrt.InferenceSession) -> Counter:
    return Counter(n.op_type for n in sess._compiled.graph.nodes)


def conv_weights(c_out=4, c_in=3, k=3):
    return RNG.standard_normal((c_out, c_in, k, k)).astype(np.float32), RNG.standard_normal(c_out).astype(np.float32)


def bn_inits(prefix="bn", c=4):
    return [const(f"{prefix}_s", RNG.uniform(0.5, 1.5, c)), const(f"{prefix}_b", RNG.uniform(-0.2, 0.2, c)),
            const(f"{prefix}_m", RNG.uniform(-0.2, 0.2, c)), const(f"{prefix}_v", RNG.uniform(0.5, 2.0, c))]


def bn(x, y, prefix="bn", **attrs):
    return helper.make_node("BatchNormalization", [x, f"{prefix}_s", f"{prefix}_b", f"{prefix}_m", f"{prefix}_v"],
                            [y], epsilon=1e-5, **attrs)


def conv(x, y, w="W", b="B", **attrs):
    return helper.make_node("Conv", [x, w] + ([b] if b else []), [y], pads=[1, 1, 1, 1], **attrs)


# -- Conv + BatchNormalization ------------------------------------------------------------------

def test_conv_bn_folds_into_the_conv_weights():
    w, b = conv_weights()
    m = model([conv("X", "c"), bn("c", "Y")], [vi("X", [2, 3, 8, 8])], [vi("Y", None)],
              [const("W", w), const("B", b), *bn_inits()])
    sess = check(m, {"X": X})
    assert ops(sess) == {"Conv": 1}
    # the original weights are not held besides the folded ones
    assert "W" not in sess._compiled.graph.initializers and "bn_s" not in sess._compiled.graph.initializers


def test_conv_bn_without_conv_bias_and_old_opset():
    w, _ = conv_weights()
    m = model([conv("X", "c", b=""), bn("c", "Y", spatial=1)], [vi("X", [2, 3, 8, 8])], [vi("Y", None)],
              [const("W", w), *bn_inits()], opset=8)
    assert ops(check(m, {"X": X})) == {"Conv": 1}


@pytest.mark.parametrize("case", ["conv_output_is_graph_output", "second_consumer", "statistics_are_inputs",
                                  "training_mode"])
def test_conv_bn_near_misses_are_left_alone(case):
    w, b = conv_weights()
    inits = [const("W", w), const("B", b), *bn_inits()]
    inputs = [vi("X", [2, 3, 8, 8])]
    outputs = [vi("Y", None)]
    nodes = [conv("X", "c"), bn("c", "Y")]
    feeds = {"X": X}
    if case == "conv_output_is_graph_output":
        outputs.append(vi("c", None))
    elif case == "second_consumer":
        nodes.append(helper.make_node("Relu", ["c"], ["r"]))
        outputs.append(vi("r", None))
    elif case == "statistics_are_inputs":  # a feed can override them
        inputs.append(vi("bn_m", [4]))
        feeds["bn_m"] = RNG.standard_normal(4).astype(np.float32)
    elif case == "training_mode":  # batch statistics: not a constant affine map
        nodes[1] = helper.make_node("BatchNormalization", ["c", "bn_s", "bn_b", "bn_m", "bn_v"], ["Y", "rm", "rv"],
                                    training_mode=1)
        outputs += [vi("rm", None), vi("rv", None)]
    m = model(nodes, inputs, outputs, inits)
    sess = check(m, feeds, ort=case != "training_mode")  # onnxruntime's CPU build has no training-mode BN
    (conv_node,) = [n for n in sess._compiled.graph.nodes if n.op_type in ("Conv", "FusedConv")]
    assert conv_node.inputs[1] in ("W", "W_im2col")  # the Conv's weights are not folded
    if case in ("statistics_are_inputs", "training_mode"):  # not a constant affine map either
        assert ops(sess)["BatchNormalization"] == 1


def test_pass_returns_the_same_graph_when_nothing_applies():
    m = model([helper.make_node("Relu", ["X"], ["Y"])], [vi("X", [2])], [vi("Y", None)])
    graph = ir.build(m)
    assert fuse_conv_bn(graph, [CPU]) is graph


# -- Conv + Mul / Add of constants (DenseNet's BN, Mul, Add) ----------------------------------------

def test_conv_bn_mul_add_relu_become_one_fused_conv():
    w, b = conv_weights()
    scale, shift = RNG.uniform(0.5, 2, (4, 1, 1)), RNG.uniform(-1, 1, (1, 4, 1, 1))
    nodes = [conv("X", "c"), bn("c", "n"), helper.make_node("Mul", ["n", "s"], ["m"]),
             helper.make_node("Add", ["t", "m"], ["a"]), helper.make_node("Relu", ["a"], ["Y"])]
    m = model(nodes, [vi("X", [2, 3, 8, 8])], [vi("Y", None)],
              [const("W", w), const("B", b), *bn_inits(), const("s", scale), const("t", shift)])
    sess = check(m, {"X": X})
    assert ops(sess) == {"FusedConv": 1}


@pytest.mark.parametrize("shape", [(4, 8, 1), (1, 4, 8, 8), (2, 4, 1, 1), (1, 1, 4, 1, 1)],
                         ids=["along_width", "full_shape", "along_batch", "raises_rank"])
def test_conv_add_that_is_not_per_channel_stays_out_of_the_bias(shape):
    """Not a bias: fuse_conv_add leaves it, and it joins as FusedConv's residual input Z instead."""
    w, b = conv_weights()
    m = model([conv("X", "c"), helper.make_node("Add", ["c", "t"], ["Y"])], [vi("X", [2, 3, 8, 8])],
              [vi("Y", None)], [const("W", w), const("B", b), const("t", RNG.standard_normal(shape))])
    sess = check(m, {"X": X})
    assert ops(sess) == {"FusedConv": 1}
    assert sess._compiled.graph.nodes[0].inputs[2:] == ["B", "t"]


def test_conv_mul_by_a_scalar_folds():
    w, _ = conv_weights()
    m = model([conv("X", "c", b=""), helper.make_node("Mul", ["c", "s"], ["Y"])], [vi("X", [2, 3, 8, 8])],
              [vi("Y", None)], [const("W", w), const("s", 0.5)])
    assert ops(check(m, {"X": X})) == {"Conv": 1}


# -- Conv + residual Add + activation ---------------------------------------------------------------

def test_resnet_block_conv_add_relu_is_one_fused_conv():
    w, b = conv_weights(3, 3)
    nodes = [conv("X", "c"), helper.make_node("Add", ["c", "X"], ["s"]), helper.make_node("Relu", ["s"], ["Y"])]
    m = model(nodes, [vi("X", [2, 3, 8, 8])], [vi("Y", None)], [const("W", w), const("B", b)])
    sess = check(m, {"X": X})
    assert ops(sess) == {"FusedConv": 1}
    fused = sess._compiled.graph.nodes[0]
    assert fused.domain == REFRT_DOMAIN and fused.inputs[3] == "X"


def test_sum_of_two_convs_folds_one_of_them():
    w, b = conv_weights()
    w2, b2 = conv_weights()
    nodes = [conv("X", "c1"), conv("X", "c2", w="W2", b="B2"), helper.make_node("Sum", ["c1", "c2"], ["Y"])]
    m = model(nodes, [vi("X", [2, 3, 8, 8])], [vi("Y", None)],
              [const("W", w), const("B", b), const("W2", w2), const("B2", b2)], opset=11)
    assert ops(check(m, {"X": X})) == {"Conv": 1, "FusedConv": 1}


def test_relu_before_the_residual_add_keeps_the_add():
    w, b = conv_weights(3, 3)  # Conv, Relu, Add: the activation comes first, so Z cannot join
    nodes = [conv("X", "c"), helper.make_node("Relu", ["c"], ["r"]), helper.make_node("Add", ["r", "X"], ["Y"])]
    m = model(nodes, [vi("X", [2, 3, 8, 8])], [vi("Y", None)], [const("W", w), const("B", b)])
    assert ops(check(m, {"X": X})) == {"FusedConv": 1, "Add": 1}


def test_residual_that_broadcasts_the_conv_output_to_a_larger_shape():
    w, b = conv_weights()
    z = RNG.standard_normal((3, 2, 4, 8, 8)).astype(np.float32)
    nodes = [conv("X", "c"), helper.make_node("Add", ["c", "Z"], ["Y"])]
    m = model(nodes, [vi("X", [2, 3, 8, 8]), vi("Z", list(z.shape))], [vi("Y", None)],
              [const("W", w), const("B", b)])
    sess = check(m, {"X": X, "Z": z})
    assert sess.run(None, {"X": X, "Z": z})[0].shape == (3, 2, 4, 8, 8)


# -- Conv + activation ------------------------------------------------------------------------------

ACTIVATIONS = [
    ("Relu", [], {}),
    ("Sigmoid", [], {}),
    ("Tanh", [], {}),
    ("LeakyRelu", [], {"alpha": 0.2}),
    ("LeakyRelu", [], {}),
    ("HardSigmoid", [], {"alpha": 0.3, "beta": 0.4}),
    ("Clip", ["lo", "hi"], {}),
    ("Clip", ["", "hi"], {}),
    ("Clip", ["lo"], {}),
]


@pytest.mark.filterwarnings("ignore:invalid value encountered")  # the inf and NaN fed on purpose
@pytest.mark.parametrize("op,extra,attrs", ACTIVATIONS, ids=[f"{a[0]}{i}" for i, a in enumerate(ACTIVATIONS)])
@pytest.mark.parametrize("level", [LEVEL.ORT_ENABLE_EXTENDED, LEVEL.ORT_ENABLE_ALL], ids=["extended", "all"])
def test_conv_activation(op, extra, attrs, level):
    w, b = conv_weights(8, 3)
    nodes = [conv("X", "c"), helper.make_node(op, ["c", *extra], ["Y"], **attrs)]
    m = model(nodes, [vi("X", [2, 3, 8, 8])], [vi("Y", None)],
              [const("W", w), const("B", b), const("lo", -0.5), const("hi", 1.5)])
    x = X.copy()
    x[0, 0, 0, :3] = [np.inf, -np.inf, np.nan]  # infinities and NaN go through as the standalone op lets them
    sess = check(m, {"X": x}, level)
    assert ops(sess) == {"FusedConv": 1}
    assert sess._compiled.graph.nodes[0].domain == REFRT_DOMAIN


def test_clip_with_bounds_from_an_input_or_old_attributes():
    w, b = conv_weights()
    m = model([conv("X", "c"), helper.make_node("Clip", ["c", "lo"], ["Y"])], [vi("X", [2, 3, 8, 8]), vi("lo", [])],
              [vi("Y", None)], [const("W", w), const("B", b)])
    assert ops(check(m, {"X": X, "lo": np.array(0.1, np.float32)})) == {"Conv": 1, "Clip": 1}  # a feed: not constant
    m = model([conv("X", "c"), helper.make_node("Clip", ["c"], ["Y"], min=0.0, max=6.0)], [vi("X", [2, 3, 8, 8])],
              [vi("Y", None)], [const("W", w), const("B", b)], opset=6)
    assert ops(check(m, {"X": X})) == {"FusedConv": 1}


def test_depthwise_grouped_and_float16_convs_fuse():
    w = RNG.standard_normal((6, 1, 3, 3)).astype(np.float32)
    nodes = [helper.make_node("Conv", ["X", "W"], ["c"], group=3, pads=[1, 1, 1, 1]),
             helper.make_node("Clip", ["c", "lo", "hi"], ["Y"])]
    inits = [const("W", w), const("lo", 0), const("hi", 6)]
    m = model(nodes, [vi("X", [2, 3, 8, 8])], [vi("Y", None)], inits)
    assert ops(check(m, {"X": X}, LEVEL.ORT_ENABLE_ALL)) == {"FusedConv": 1}
    w16 = RNG.standard_normal((4, 3, 3, 3)).astype(np.float16)
    nodes = [conv("X", "c", b=""), helper.make_node("Sigmoid", ["c"], ["Y"])]
    m = model(nodes, [vi("X", [2, 3, 8, 8], TensorProto.FLOAT16)], [vi("Y", None, TensorProto.FLOAT16)],
              [numpy_helper.from_array(w16, "W")])
    sess = check(m, {"X": X.astype(np.float16)}, LEVEL.ORT_ENABLE_ALL, rtol=2e-3, atol=1e-3)
    assert ops(sess) == {"FusedConv": 1}
    packed = sess._compiled.graph.initializers[sess._compiled.graph.nodes[0].inputs[1]]
    assert packed.dtype == np.float32 and packed.shape == (4, 27)  # widened and reshaped once


def test_large_conv_runs_in_bands_and_agrees():
    """Big enough for FusedConv to build its im2col matrix in bands of rows."""
    w, b = conv_weights(16, 32)
    x = RNG.standard_normal((2, 32, 40, 40)).astype(np.float32)
    z = RNG.standard_normal((2, 16, 40, 40)).astype(np.float32)
    nodes = [conv("X", "c"), helper.make_node("Add", ["c", "Z"], ["s"]), helper.make_node("Relu", ["s"], ["Y"])]
    m = model(nodes, [vi("X", list(x.shape)), vi("Z", list(z.shape))], [vi("Y", None)],
              [const("W", w), const("B", b)])
    assert ops(check(m, {"X": x, "Z": z}, LEVEL.ORT_ENABLE_ALL, rtol=1e-4, atol=1e-4)) == {"FusedConv": 1}


GEOMETRIES = [
    dict(x=(3, 4, 17, 13), w=(5, 4, 3, 3), pads=[1, 0, 2, 1], strides=[2, 1]),
    dict(x=(1, 4, 20, 20), w=(6, 4, 3, 2), dilations=[2, 3], strides=[1, 2]),
    dict(x=(2, 4, 15, 9), w=(5, 4, 4, 4), auto_pad="SAME_UPPER", strides=[2, 2]),
    dict(x=(2, 3, 40), w=(4, 3, 5), pads=[2, 2]),                      # 1-D
    dict(x=(1, 2, 9, 8, 7), w=(3, 2, 3, 3, 3), pads=[1] * 6),          # 3-D
    dict(x=(2, 4, 12, 12), w=(6, 4, 1, 1), strides=[2, 2]),            # 1x1 strided: im2col too
]


@pytest.mark.parametrize("geo", GEOMETRIES, ids=[str(i) for i in range(len(GEOMETRIES))])
def test_fused_conv_kernel_in_bands_equals_conv_then_ops(geo, monkeypatch):
    """The banded path (forced with tiny bands) computes Conv, + Z, activation as the ops do."""
    from refrt.kernels.numpy import op_fused_conv
    from refrt.kernels.numpy.op_conv import conv as conv_kernel

    monkeypatch.setattr(op_fused_conv, "BAND_BYTES", 1)
    monkeypatch.setattr(op_fused_conv, "MIN_BAND_COLUMNS", 1)
    geo = dict(geo)
    x = RNG.standard_normal(geo.pop("x")).astype(np.float32)
    w = RNG.standard_normal(geo.pop("w")).astype(np.float32)
    b = RNG.standard_normal(w.shape[0]).astype(np.float32)
    y = conv_kernel(x, w, b, **geo)
    z = RNG.standard_normal(y.shape).astype(np.float32)
    expected = np.maximum(y + z, 0) * 1  # Conv, Add, Relu
    got = op_fused_conv.fused_conv(x, w, b, z, activation="Relu", **geo)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    packed = op_fused_conv.fused_conv(x, np.ascontiguousarray(w.reshape(w.shape[0], -1)), b, z, activation="Relu",
                                      packed=1, kernel_shape=list(w.shape[2:]), **geo)
    np.testing.assert_array_equal(packed, got)


def test_activation_reading_the_conv_output_twice_is_left_alone():
    w, b = conv_weights()
    nodes = [conv("X", "c"), helper.make_node("Relu", ["c"], ["Y"]), helper.make_node("Sigmoid", ["c"], ["Z"])]
    m = model(nodes, [vi("X", [2, 3, 8, 8])], [vi("Y", None), vi("Z", None)], [const("W", w), const("B", b)])
    assert ops(check(m, {"X": X})) == {"Conv": 1, "Relu": 1, "Sigmoid": 1}


# -- MatMul + Add, Gemm/MatMul + activation, Transpose into MatMul ----------------------------------

def linear(x_shape, activation=None, bias_shape=(5,), opset=17, x_elem=F):
    w = RNG.standard_normal((x_shape[-1], 5)).astype(np.float32)
    nodes = [helper.make_node("MatMul", ["X", "W"], ["mm"]), helper.make_node("Add", ["mm", "bias"], ["a"])]
    if activation:
        nodes.append(helper.make_node(activation, ["a"], ["Y"]))
    else:
        nodes[-1].output[0] = "Y"
    return model(nodes, [vi("X", list(x_shape))], [vi("Y", None)],
                 [const("W", w), const("bias", RNG.standard_normal(bias_shape))], opset=opset)


def test_matmul_add_on_2d_input_becomes_gemm():
    x = RNG.standard_normal((4, 6)).astype(np.float32)
    assert ops(check(linear((4, 6)), {"X": x})) == {"Gemm": 1}
    assert ops(check(linear((4, 6), "Relu"), {"X": x})) == {"FusedGemm": 1}
    assert ops(check(linear((4, 6), opset=7), {"X": x})) == {"Gemm": 1}


def test_matmul_add_on_3d_input_becomes_fused_matmul():
    x = RNG.standard_normal((2, 4, 6)).astype(np.float32)
    assert ops(check(linear((2, 4, 6)), {"X": x})) == {"FusedMatMul": 1}
    sess = check(linear((2, 4, 6), "Tanh", bias_shape=(1, 1, 5)), {"X": x})
    assert ops(sess) == {"FusedMatMul": 1}


@pytest.mark.parametrize("bias_shape", [(4, 5), (2, 1, 5), (1,)], ids=["along_rows", "raises_rank", "broadcast_1"])
def test_matmul_add_with_another_bias_is_left_alone(bias_shape):
    x = RNG.standard_normal((4, 6)).astype(np.float32)
    sess = check(linear((4, 6), bias_shape=bias_shape), {"X": x})
    assert ops(sess) == {"MatMul": 1, "Add": 1}


def test_gemm_activation_and_near_misses():
    a = RNG.standard_normal((3, 6)).astype(np.float32)
    w = RNG.standard_normal((5, 6)).astype(np.float32)
    inits = [const("W", w), const("C", RNG.standard_normal(5))]
    gemm = helper.make_node("Gemm", ["A", "W", "C"], ["g"], transB=1, alpha=0.5, beta=2.0)
    m = model([gemm, helper.make_node("LeakyRelu", ["g"], ["Y"], alpha=0.1)], [vi("A", [3, 6])], [vi("Y", None)], inits)
    assert ops(check(m, {"A": a})) == {"FusedGemm": 1}
    assert ops(check(m, {"A": a}, LEVEL.ORT_ENABLE_ALL)) == {"FusedGemm": 1}
    m = model([gemm, helper.make_node("LeakyRelu", ["g"], ["Y"], alpha=0.1)], [vi("A", [3, 6])],
              [vi("Y", None), vi("g", None)], inits)  # the Gemm output is a graph output
    assert ops(check(m, {"A": a})) == {"Gemm": 1, "LeakyRelu": 1}
    m = model([gemm, helper.make_node("Softplus", ["g"], ["Y"])], [vi("A", [3, 6])], [vi("Y", None)], inits)
    assert ops(check(m, {"A": a})) == {"Gemm": 1, "Softplus": 1}  # not an activation FusedGemm applies


def test_transpose_folds_into_matmul_and_gemm():
    a = RNG.standard_normal((2, 3, 6, 4)).astype(np.float32)
    b = RNG.standard_normal((2, 3, 6, 5)).astype(np.float32)
    nodes = [helper.make_node("Transpose", ["A"], ["at"], perm=[0, 1, 3, 2]),
             helper.make_node("MatMul", ["at", "B"], ["m"]),
             helper.make_node("Relu", ["m"], ["Y"])]
    m = model(nodes, [vi("A", list(a.shape)), vi("B", list(b.shape))], [vi("Y", None)])
    sess = check(m, {"A": a, "B": b})
    assert ops(sess) == {"FusedMatMul": 1}
    a2, b2 = RNG.standard_normal((6, 3)).astype(np.float32), RNG.standard_normal((4, 6)).astype(np.float32)
    nodes = [helper.make_node("Transpose", ["A"], ["at"]), helper.make_node("Transpose", ["B"], ["bt"]),
             helper.make_node("Gemm", ["at", "bt"], ["Y"])]
    m = model(nodes, [vi("A", [6, 3]), vi("B", [4, 6])], [vi("Y", None)])
    sess = check(m, {"A": a2, "B": b2})
    assert ops(sess) == {"Gemm": 1}
    node = sess._compiled.graph.nodes[0]
    assert (node.attributes["transA"].i, node.attributes["transB"].i) == (1, 1)


def test_transpose_with_another_reader_or_another_perm_stays():
    a = RNG.standard_normal((2, 6, 4)).astype(np.float32)
    b = RNG.standard_normal((2, 6, 5)).astype(np.float32)
    nodes = [helper.make_node("Transpose", ["A"], ["at"], perm=[0, 2, 1]),
             helper.make_node("MatMul", ["at", "B"], ["Y"]),
             helper.make_node("Neg", ["at"], ["N"])]
    m = model(nodes, [vi("A", list(a.shape)), vi("B", list(b.shape))], [vi("Y", None), vi("N", None)])
    assert ops(check(m, {"A": a, "B": b})) == {"Transpose": 1, "FusedMatMul": 1, "Neg": 1}
    a = RNG.standard_normal((6, 2, 4)).astype(np.float32)
    nodes = [helper.make_node("Transpose", ["A"], ["at"], perm=[1, 2, 0]),
             helper.make_node("MatMul", ["at", "B"], ["Y"])]
    m = model(nodes, [vi("A", list(a.shape)), vi("B", list(b.shape))], [vi("Y", None)])
    assert ops(check(m, {"A": a, "B": b})) == {"Transpose": 1, "MatMul": 1}  # not a swap of the last two axes


# -- ORT_ENABLE_ALL: pre-packed weights, in-place marking ---------------------------------------

def test_prepack_conv_and_gemm_weights():
    w, b = conv_weights(4, 3)
    gw = RNG.standard_normal((7, 4 * 8 * 8)).astype(np.float32)
    nodes = [conv("X", "c"), helper.make_node("Flatten", ["c"], ["f"]),
             helper.make_node("Gemm", ["f", "GW", "GC"], ["Y"], transB=1, beta=0.5)]
    m = model(nodes, [vi("X", [2, 3, 8, 8])], [vi("Y", None)],
              [const("W", w), const("B", b), const("GW", gw), const("GC", RNG.standard_normal(7))])
    sess = check(m, {"X": X}, LEVEL.ORT_ENABLE_ALL)
    assert ops(sess) == {"FusedConv": 1, "Flatten": 1, "Gemm": 1}
    graph = sess._compiled.graph
    conv_node, _, gemm_node = graph.nodes
    assert conv_node.attributes["packed"].i == 1 and graph.initializers[conv_node.inputs[1]].shape == (4, 27)
    assert gemm_node.attributes["transB"].i == 0 and gemm_node.attributes["beta"].f == 1.0
    packed = graph.initializers[gemm_node.inputs[1]]
    assert packed.shape == (256, 7) and packed.flags.c_contiguous
    assert not {"W", "GW", "GC"} & set(graph.initializers)  # the originals are not held too


def test_shared_weight_is_packed_once():
    w, b = conv_weights(3, 3)
    nodes = [conv("X", "c1"), conv("c1", "Y")]
    m = model(nodes, [vi("X", [2, 3, 8, 8])], [vi("Y", None)], [const("W", w), const("B", b)])
    sess = check(m, {"X": X}, LEVEL.ORT_ENABLE_ALL)
    first, second = sess._compiled.graph.nodes
    assert first.inputs[1] == second.inputs[1]


def test_optimized_model_saves_and_reloads(tmp_path):
    w, b = conv_weights()
    m = model([conv("X", "c"), bn("c", "n"), helper.make_node("Relu", ["n"], ["Y"])], [vi("X", [2, 3, 8, 8])],
              [vi("Y", None)], [const("W", w), const("B", b), *bn_inits()])
    so = refrt.SessionOptions()
    so.optimized_model_filepath = str(tmp_path / "opt.onnx")
    expected = refrt.InferenceSession(m.SerializeToString(), so).run(None, {"X": X})
    saved = onnx.load(so.optimized_model_filepath)
    assert [n.op_type for n in saved.graph.node] == ["FusedConv"]
    assert_same(expected, session(saved, LEVEL.ORT_DISABLE_ALL).run(None, {"X": X}), rtol=1e-6, atol=1e-6)


def test_disabled_fusion_by_name():
    w, b = conv_weights()
    m = model([conv("X", "c"), helper.make_node("Relu", ["c"], ["Y"])], [vi("X", [2, 3, 8, 8])], [vi("Y", None)],
              [const("W", w), const("B", b)])
    so = refrt.SessionOptions()
    so.add_session_config_entry("session.disable_optimizers", "fuse_conv_activation,prepack_weights")
    sess = refrt.InferenceSession(m.SerializeToString(), so)
    assert ops(sess) == {"Conv": 1, "Relu": 1}


def test_fusion_skipped_without_a_provider_that_has_the_kernel():
    w, b = conv_weights()
    m = model([conv("X", "c"), helper.make_node("Relu", ["c"], ["Y"])], [vi("X", [2, 3, 8, 8])], [vi("Y", None)],
              [const("W", w), const("B", b)])
    from refrt.passes.fuse_conv_activation import fuse_conv_activation

    bare = Provider("BareExecutionProvider", "json")  # a package without kernels
    graph = ir.build(m)
    assert fuse_conv_activation(graph, [bare]) is graph
    assert [n.op_type for n in fuse_conv_activation(graph, [CPU]).nodes] == ["FusedConv"]


@pytest.fixture(scope="module")
def scale_inplace_kernel():
    """A refrt elementwise kernel that opts in to in-place execution (as fused elementwise kernels do)."""
    from refrt.registry import kernel

    seen = []

    @kernel("TestScale", domain=REFRT_DOMAIN, provider=CPU.name)
    def test_scale(x, *, inplace=0):
        seen.append(bool(inplace))
        if inplace and x.flags.writeable:
            x *= 2
            return x
        return x * 2

    return seen


def test_mark_inplace_only_where_the_buffer_is_the_nodes_own(scale_inplace_kernel):
    w, b = conv_weights()
    scale = lambda i, o: helper.make_node("TestScale", [i], [o], domain=REFRT_DOMAIN)  # noqa: E731
    nodes = [conv("X", "c"), scale("c", "s1"),      # fresh, one reader: in place
             scale("s1", "s2"),                      # a marked node's output: in place
             scale("X", "s3"),                       # a graph input: never
             helper.make_node("Relu", ["s2"], ["r"]), scale("r", "s4"),  # r has two readers:
             helper.make_node("Neg", ["r"], ["n"]),                   # not in place
             helper.make_node("Reshape", ["s2", "shape"], ["v"]), scale("v", "s5")]  # a view: never
    m = model(nodes, [vi("X", [2, 3, 8, 8])], [vi(o, None) for o in ("s3", "s4", "n", "s5")],
              [const("W", w), const("B", b), const("shape", [2, -1], np.int64)])
    m.opset_import.append(helper.make_opsetid(REFRT_DOMAIN, 1))
    graph = mark_inplace(ir.build(m), [CPU])
    marked = {n.outputs[0]: bool(n.attributes.get("inplace") and n.attributes["inplace"].i) for n in graph.nodes
              if n.op_type == "TestScale"}
    assert marked == {"s1": True, "s2": True, "s3": False, "s4": False, "s5": False}
    x = X.copy()
    check(m, {"X": x}, LEVEL.ORT_ENABLE_ALL, ort=False)
    np.testing.assert_array_equal(x, X)  # the caller's feed is never written


# -- whole models -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name,expected", [
    ("resnet", {"FusedConv": 8}), ("mobilenet_block", {"FusedConv": 7}), ("mlp_matmul", {"FusedGemm": 2, "Gemm": 1}),
    ("mlp_gemm", {"FusedGemm": 2, "Gemm": 1}), ("mnist_cnn", {"FusedConv": 2, "FusedGemm": 1, "Gemm": 1}),
])
def test_exported_models_agree_across_levels(name, expected):
    sys.path.insert(0, __file__.rsplit("/", 1)[0])
    from models import EXPORTED_MODELS, make_feeds

    m = EXPORTED_MODELS[name]()
    feeds = make_feeds(m, batch=3)
    sess = check(m, feeds, LEVEL.ORT_ENABLE_ALL, rtol=1e-4, atol=1e-5)
    counts = ops(sess)
    assert all(counts[k] == v for k, v in expected.items()), counts
