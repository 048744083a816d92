"""onnx's own backend test runner drives refrt through ``refrt.backend``."""

from __future__ import annotations

import unittest

import numpy as np
import onnx
from onnx import TensorProto, helper
from onnx.backend.test.runner import Runner

import refrt.backend as backend


def test_backend_interface():
    assert backend.supports_device("CPU") and not backend.supports_device("CUDA")
    node = helper.make_node("Add", ["a", "b"], ["c"])
    (c,) = backend.run_node(node, [np.array([1.0, 2.0], np.float32), np.array([3.0, 4.0], np.float32)])
    np.testing.assert_array_equal(c, [4, 6])
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    assert backend.is_compatible(model)
    (y,) = backend.prepare(model).run([np.array([-1.0, 1.0], np.float32)])
    np.testing.assert_array_equal(y, [0, 1])


def test_onnx_runner_passes_a_sample_of_node_cases():
    runner = Runner(backend, __name__)
    for pattern in (r"^test_relu_cpu$", r"^test_softmax_axis_0_cpu$", r"^test_conv_with_strides_padding_cpu$",
                    r"^test_if_cpu$", r"^test_gemm_all_attributes_cpu$"):
        runner.include(pattern)
    result = unittest.TextTestRunner(verbosity=0).run(runner.test_suite)
    ran = result.testsRun - len(result.skipped)  # cases outside the include patterns are skipped
    assert ran == 5, ran
    assert not result.failures and not result.errors, result.failures + result.errors
