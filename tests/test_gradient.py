"""Gradient (ai.onnx.preview.training): reverse-mode derivatives of the enclosing graph."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

import refrt

TRAINING = "ai.onnx.preview.training"


def model(nodes, inputs, outputs, inits=()):
    graph = helper.make_graph(nodes, "grad", [helper.make_tensor_value_info(n, TensorProto.DOUBLE, s) for n, s in inputs],
                              [helper.make_tensor_value_info(n, TensorProto.DOUBLE, None) for n in outputs], list(inits))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid(TRAINING, 1)])


def numeric_gradient(f, x, eps=1e-6):
    """Central differences of the scalar sum of f, for checking the symbolic result."""
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[i] = eps
        g[i] = (f(x + d).sum() - f(x - d).sum()) / (2 * eps)
    return g


def test_gradient_of_add_and_mul():
    nodes = [helper.make_node("Add", ["a", "b"], ["c"]), helper.make_node("Mul", ["c", "a"], ["d"]),
             helper.make_node("Gradient", ["a", "b"], ["da", "db"], domain=TRAINING, xs=["a", "b"], y="d")]
    sess = refrt.InferenceSession(model(nodes, [("a", []), ("b", [])], ["d", "da", "db"]).SerializeToString())
    d, da, db = sess.run(None, {"a": np.array(3.0), "b": np.array(5.0)})
    assert (d, da, db) == (24.0, 11.0, 3.0)  # d = (a+b)a: dd/da = 2a+b, dd/db = a


def test_gradient_through_broadcasting_matmul_and_activations():
    rng = np.random.default_rng(0)
    w = rng.standard_normal((3, 4))
    bias = rng.standard_normal(4)
    nodes = [helper.make_node("MatMul", ["x", "w"], ["h"]), helper.make_node("Add", ["h", "bias"], ["hb"]),
             helper.make_node("Sigmoid", ["hb"], ["s"]), helper.make_node("Relu", ["hb"], ["r"]),
             helper.make_node("Mul", ["s", "r"], ["y"]),
             helper.make_node("Gradient", ["x", "bias"], ["dx", "dbias"], domain=TRAINING, xs=["x", "bias"], y="y")]
    m = model(nodes, [("x", [2, 3]), ("bias", [4])], ["y", "dx", "dbias"], [numpy_helper.from_array(w, "w")])
    x = rng.standard_normal((2, 3))
    _, dx, dbias = refrt.InferenceSession(m.SerializeToString()).run(None, {"x": x, "bias": bias})

    def forward(x_, b_):
        hb = x_ @ w + b_
        return (1 / (1 + np.exp(-hb))) * np.maximum(hb, 0)

    np.testing.assert_allclose(dx, numeric_gradient(lambda v: forward(v, bias), x), rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(dbias, numeric_gradient(lambda v: forward(x, v), bias), rtol=1e-5, atol=1e-8)


def test_a_value_that_does_not_reach_y_has_zero_gradient():
    nodes = [helper.make_node("Neg", ["a"], ["y"]),
             helper.make_node("Gradient", ["a", "b"], ["da", "db"], domain=TRAINING, xs=["a", "b"], y="y")]
    m = model(nodes, [("a", [2]), ("b", [2])], ["da", "db"])
    da, db = refrt.InferenceSession(m.SerializeToString()).run(None, {"a": np.ones(2), "b": np.ones(2)})
    np.testing.assert_array_equal(da, [-1, -1])
    np.testing.assert_array_equal(db, [0, 0])


def test_an_op_without_a_derivative_rule_is_refused_clearly():
    nodes = [helper.make_node("Floor", ["a"], ["y"]),
             helper.make_node("Gradient", ["a"], ["da"], domain=TRAINING, xs=["a"], y="y")]
    with pytest.raises(refrt.NotImplemented, match="Gradient: no derivative rule for Floor"):
        refrt.InferenceSession(model(nodes, [("a", [2])], ["da"]).SerializeToString())
