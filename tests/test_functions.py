"""Ops with no kernel but a function body in their ONNX schema run that body."""

from __future__ import annotations

import numpy as np
import pytest

import refrt
from oracle import check_node, make_node_model
from refrt import registry


def _has_kernel(op: str, version: int) -> bool:
    from refrt.providers import CPU

    CPU.discover()
    return registry.lookup("", op, version, CPU.name) is not None


@pytest.mark.skipif(_has_kernel("NegativeLogLikelihoodLoss", 22), reason="NegativeLogLikelihoodLoss now has a kernel")
@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
def test_context_dependent_body_agrees_with_onnxruntime(reduction):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 5, 3)).astype(np.float32)
    target = rng.integers(0, 5, size=(4, 3)).astype(np.int64)
    weight = rng.random(5).astype(np.float32)
    check_node("NegativeLogLikelihoodLoss", {"x": x, "t": target, "w": weight}, {"reduction": reduction}, opset=22)


@pytest.mark.skipif(_has_kernel("Swish", 24), reason="Swish now has a kernel")
def test_static_body_with_attribute_default():
    x = np.linspace(-3, 3, 13, dtype=np.float32)
    model = make_node_model("Swish", {"x": x}, {"alpha": 2.0}, opset=24)
    sess = refrt.InferenceSession(model.SerializeToString())
    (y,) = sess.run(None, {"x": x})
    np.testing.assert_allclose(y, x / (1 + np.exp(-2.0 * x)), rtol=1e-6)
    assert sess._compiled.nodes[0].provider == "function body"
