"""The nine light model-zoo models shipped inside onnx give their stored outputs.

Inputs and tolerances are those of onnx's own backend test runner for these models
(``onnx.backend.test.case.model``: rtol 1e-3, 2e-3 for DenseNet-121; atol 1e-7).
"""

from __future__ import annotations

import os

import numpy as np
import onnx
import pytest
from onnx import numpy_helper
from onnx.backend.test.case.model import collect_testcases
from onnx.backend.test.runner import Runner

import refrt

LIGHT_DIR = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data", "light")
CASES = {c.model_name: c for c in collect_testcases() if c.url and "light" in c.url}


def light_inputs(model: onnx.ModelProto) -> dict[str, np.ndarray]:
    """The inputs onnx's runner feeds these models (a deterministic ramp, not random)."""
    inits = {i.name for i in model.graph.initializer}
    return {
        vi.name: Runner.generate_dummy_data(vi, seed=0, name=model.graph.name, random=False)
        for vi in model.graph.input
        if vi.name not in inits
    }


@pytest.mark.parametrize("name", sorted(CASES))
def test_light_model_matches_stored_output(name):
    case = CASES[name]
    path = os.path.join(LIGHT_DIR, f"light_{name}.onnx")
    model = onnx.load(path)
    expected = numpy_helper.to_array(onnx.load_tensor(os.path.join(LIGHT_DIR, f"light_{name}_output_0.pb")))
    sess = refrt.InferenceSession(path, providers=["CPUExecutionProvider"])
    (got,) = sess.run(None, light_inputs(model))
    assert got.dtype == expected.dtype and got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=case.rtol, atol=case.atol)


def test_all_nine_light_models_are_covered():
    assert len(CASES) == 9
