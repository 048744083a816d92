"""fuse_batchnorm_affine (ORT_ENABLE_EXTENDED): an inference BatchNormalization with constant statistics,
and the per-channel Mul/Add after it, become one Mul and one Add (then one FusedElementwise with a
following Relu). Onnxruntime's transformer-test style: a small graph, numbers compared unoptimized,
optimized and in onnxruntime, then the op counts; near misses are left alone."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

import refrt
from oracle import assert_same, run_ort
from refrt import ir
from refrt.passes.fuse_batchnorm_affine import fuse_batchnorm_affine
from refrt.providers import CPU

LEVEL = refrt.GraphOptimizationLevel
RNG = np.random.default_rng(7)
C = 5
X = RNG.standard_normal((2, C, 6, 7)).astype(np.float32)


def const(name, value, dtype=np.float32):
    return numpy_helper.from_array(np.asarray(value, dtype), name)


def bn_inits(dtype=np.float32):
    return [const("s", RNG.standard_normal(C), dtype), const("b", RNG.standard_normal(C), dtype),
            const("m", RNG.standard_normal(C), dtype), const("v", RNG.random(C) + 0.5, dtype)]


def build(nodes, inits, *, elem=TensorProto.FLOAT, opset=17, extra_inputs=()):
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("X", elem, list(X.shape)), *extra_inputs],
                              [helper.make_tensor_value_info("Y", elem, None)], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], ir_version=8)


def run(m, feeds, level):
    so = refrt.SessionOptions()
    so.graph_optimization_level = level
    sess = refrt.InferenceSession(m.SerializeToString(), so)
    return sess, sess.run(None, feeds)


def ops(sess):
    return Counter(n.op_type for n in sess._compiled.graph.nodes)


def check(m, feeds, level=LEVEL.ORT_ENABLE_EXTENDED, rtol=1e-5, atol=1e-5):
    _, expected = run(m, feeds, LEVEL.ORT_DISABLE_ALL)
    sess, got = run(m, feeds, level)
    assert_same(expected, got, rtol=rtol, atol=atol)
    assert_same(run_ort(m, feeds), got, rtol=rtol, atol=atol)
    return sess


def test_bn_mul_add_relu_become_one_fused_elementwise():
    nodes = [helper.make_node("BatchNormalization", ["X", "s", "b", "m", "v"], ["n"], epsilon=1e-3),
             helper.make_node("Mul", ["n", "k"], ["p"]), helper.make_node("Add", ["q", "p"], ["a"]),
             helper.make_node("Relu", ["a"], ["Y"])]
    inits = [*bn_inits(), const("k", RNG.standard_normal((C, 1, 1))), const("q", RNG.standard_normal((1, C, 1, 1)))]
    m = build(nodes, inits)
    assert ops(check(m, {"X": X})) == {"FusedElementwise": 1}
    assert ops(check(m, {"X": X}, LEVEL.ORT_ENABLE_BASIC)) == {"BatchNormalization": 1, "Mul": 1, "Add": 1, "Relu": 1}


def test_bn_alone_becomes_mul_and_add_and_drops_its_statistics():
    m = build([helper.make_node("BatchNormalization", ["X", "s", "b", "m", "v"], ["Y"])], bn_inits(), opset=9)
    sess = check(m, {"X": X})
    assert set(ops(sess)) <= {"Mul", "Add", "FusedElementwise"} and "BatchNormalization" not in ops(sess)
    assert not {"s", "b", "m", "v"} & set(sess._compiled.graph.initializers)


def test_bn_in_float64():
    x = X.astype(np.float64)
    m = build([helper.make_node("BatchNormalization", ["X", "s", "b", "m", "v"], ["Y"])], bn_inits(np.float64),
              elem=TensorProto.DOUBLE)
    _, expected = run(m, {"X": x}, LEVEL.ORT_DISABLE_ALL)
    sess, got = run(m, {"X": x}, LEVEL.ORT_ENABLE_EXTENDED)
    assert "BatchNormalization" not in ops(sess)
    assert_same(expected, got, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("case", ["statistics_are_inputs", "mul_not_per_channel", "float16", "training_mode"])
def test_near_misses_are_left_alone(case):
    nodes = [helper.make_node("BatchNormalization", ["X", "s", "b", "m", "v"], ["n"]),
             helper.make_node("Mul", ["n", "k"], ["Y"])]
    k = RNG.standard_normal((C, 1, 1))
    dtype, elem, feeds, extra = np.float32, TensorProto.FLOAT, {"X": X}, []
    if case == "mul_not_per_channel":
        k = RNG.standard_normal((1, 1, 7))
    if case == "float16":
        dtype, elem, feeds = np.float16, TensorProto.FLOAT16, {"X": X.astype(np.float16)}
    inits = [*bn_inits(dtype), const("k", k, dtype)]
    if case == "statistics_are_inputs":
        extra = [helper.make_tensor_value_info("m", TensorProto.FLOAT, [C])]
        feeds["m"] = RNG.standard_normal(C).astype(np.float32)
    if case == "training_mode":
        nodes[0] = helper.make_node("BatchNormalization", ["X", "s", "b", "m", "v"], ["n"], training_mode=1)
    m = build(nodes, inits, elem=elem, extra_inputs=extra, opset=15)
    _, expected = run(m, feeds, LEVEL.ORT_DISABLE_ALL)
    sess, got = run(m, feeds, LEVEL.ORT_ENABLE_EXTENDED)
    tol = 1e-2 if case == "float16" else 1e-5
    assert_same(expected, got, rtol=tol, atol=tol)
    if case == "mul_not_per_channel":  # the BN is taken, the Mul stays a Mul of its own
        assert "BatchNormalization" not in ops(sess) and ops(sess)["Mul"] + ops(sess)["FusedElementwise"] >= 1
        assert_same(run_ort(m, feeds), got, rtol=tol, atol=tol)
    else:
        assert ops(sess)["BatchNormalization"] == 1


def test_pass_returns_the_same_graph_when_nothing_applies():
    m = build([helper.make_node("Relu", ["X"], ["Y"])], [])
    graph = ir.build(m)
    assert fuse_batchnorm_affine(graph, [CPU]) is graph
