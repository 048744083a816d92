"""Ops with no kernel but a function body in their ONNX schema run that body.

Every op tested here has a kernel by now, so each test hides that kernel from the registry (the
state of an op before its kernel exists) and checks that the body gives the same answers.
"""

from __future__ import annotations

import numpy as np
import pytest

import refrt
from oracle import check_node, make_node_model
from refrt import registry


@pytest.fixture
def hide_kernel(monkeypatch):
    def hide(*ops: str) -> None:
        lookup = registry.lookup

        def without(domain, op, version, provider):
            return None if op in ops else lookup(domain, op, version, provider)

        monkeypatch.setattr(registry, "lookup", without)

    return hide


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
def test_context_dependent_body_agrees_with_onnxruntime(hide_kernel, reduction):
    hide_kernel("NegativeLogLikelihoodLoss")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 5, 3)).astype(np.float32)
    target = rng.integers(0, 5, size=(4, 3)).astype(np.int64)
    weight = rng.random(5).astype(np.float32)
    check_node("NegativeLogLikelihoodLoss", {"x": x, "t": target, "w": weight}, {"reduction": reduction}, opset=22)


def test_static_body_with_attribute_value(hide_kernel):
    hide_kernel("Swish")
    x = np.linspace(-3, 3, 13, dtype=np.float32)
    model = make_node_model("Swish", {"x": x}, {"alpha": 2.0}, opset=24)
    sess = refrt.InferenceSession(model.SerializeToString())
    (y,) = sess.run(None, {"x": x})
    np.testing.assert_allclose(y, x / (1 + np.exp(-2.0 * x)), rtol=1e-6)
    assert sess._compiled.nodes[0].provider == "function body"


def test_body_nested_in_a_body(hide_kernel):
    # SoftmaxCrossEntropyLoss's body calls NegativeLogLikelihoodLoss; with neither kernel, the inner
    # call needs types that only the outer body knows.
    hide_kernel("SoftmaxCrossEntropyLoss")
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 5)).astype(np.float32)
    target = rng.integers(0, 5, size=3).astype(np.int64)
    check_node("SoftmaxCrossEntropyLoss", {"x": x, "t": target}, {"reduction": "mean"}, opset=13)
