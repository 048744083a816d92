"""Constant folding (ORT_ENABLE_BASIC and above): same results, less work per run."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import refrt
from refrt import ir
from refrt.passes.fold_constants import fold_constants
from refrt.providers import CPU

LEVELS = list(refrt.GraphOptimizationLevel)


def model_with_constant_subgraph() -> onnx.ModelProto:
    """W = ConstantOfShape([3]) * 2 + Range(0, 3): all constant; Y = X * W; also a RandomUniform."""
    inits = [numpy_helper.from_array(np.array([3], np.int64), "shape"),
             numpy_helper.from_array(np.array(2, np.float32), "two"),
             numpy_helper.from_array(np.array(0, np.float32), "start"),
             numpy_helper.from_array(np.array(3, np.float32), "limit"),
             numpy_helper.from_array(np.array(1, np.float32), "delta")]
    nodes = [
        helper.make_node("ConstantOfShape", ["shape"], ["ones"], value=numpy_helper.from_array(np.array([1.0], np.float32))),
        helper.make_node("Mul", ["ones", "two"], ["twos"]),
        helper.make_node("Range", ["start", "limit", "delta"], ["ramp"]),
        helper.make_node("Add", ["twos", "ramp"], ["W"]),
        helper.make_node("Mul", ["X", "W"], ["Y"]),
        helper.make_node("RandomUniform", [], ["R"], shape=[2], seed=1.0),
    ]
    graph = helper.make_graph(nodes, "fold", [helper.make_tensor_value_info("X", TensorProto.FLOAT, [3])],
                              [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [3]),
                               helper.make_tensor_value_info("R", TensorProto.FLOAT, [2])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def session(model: onnx.ModelProto, level) -> refrt.InferenceSession:
    so = refrt.SessionOptions()
    so.graph_optimization_level = level
    return refrt.InferenceSession(model.SerializeToString(), so)


def test_folding_removes_constant_nodes_but_keeps_random_ones():
    graph = fold_constants(ir.build(model_with_constant_subgraph()), [CPU])
    assert [n.op_type for n in graph.nodes] == ["Mul", "RandomUniform"]
    np.testing.assert_array_equal(graph.initializers["W"], [2, 3, 4])


@pytest.mark.parametrize("level", LEVELS, ids=[lv.name for lv in LEVELS])
def test_results_agree_across_levels(level):
    x = np.array([1, -1, 0.5], np.float32)
    y, w = session(model_with_constant_subgraph(), level).run(["Y", "W"], {"X": x})
    np.testing.assert_array_equal(y, x * np.array([2, 3, 4], np.float32))
    np.testing.assert_array_equal(w, [2, 3, 4])  # a folded intermediate can still be fetched


def test_disable_all_runs_the_graph_as_written():
    sess = session(model_with_constant_subgraph(), refrt.GraphOptimizationLevel.ORT_DISABLE_ALL)
    assert len(sess._compiled.nodes) == 6
    sess = session(model_with_constant_subgraph(), refrt.GraphOptimizationLevel.ORT_ENABLE_BASIC)
    assert len(sess._compiled.nodes) == 2


def test_a_failing_fold_is_reported_at_run_time_against_its_node():
    shape = numpy_helper.from_array(np.array([7, 7], np.int64), "shape")
    data = numpy_helper.from_array(np.ones((4, 3), np.float32), "data")
    node = helper.make_node("Reshape", ["data", "shape"], ["Y"], name="bad_reshape")
    graph = helper.make_graph([node], "g", [], [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)], [data, shape])
    sess = refrt.InferenceSession(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString())
    with pytest.raises(refrt.Fail, match="running Reshape node. Name:'bad_reshape'"):
        sess.run(None, {})


def test_overridable_initializers_are_not_folded():
    w = numpy_helper.from_array(np.array([1, 2, 3], np.float32), "W")
    node = helper.make_node("Neg", ["W"], ["Y"])
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("W", TensorProto.FLOAT, [3])],
                              [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [3])], [w])
    sess = refrt.InferenceSession(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString())
    np.testing.assert_array_equal(sess.run(None, {})[0], [-1, -2, -3])
    np.testing.assert_array_equal(sess.run(None, {"W": np.ones(3, np.float32)})[0], [-1, -1, -1])


def test_a_pass_can_be_switched_off_by_name():
    so = refrt.SessionOptions()
    so.graph_optimization_level = refrt.GraphOptimizationLevel.ORT_ENABLE_BASIC
    so.add_session_config_entry("session.disable_optimizers", "fold_constants")
    sess = refrt.InferenceSession(model_with_constant_subgraph().SerializeToString(), so)
    assert len(sess._compiled.nodes) == 6
    so.add_session_config_entry("session.disable_optimizers", "no_such_pass")
    with pytest.raises(refrt.InvalidArgument, match="unknown passes \\['no_such_pass'\\]"):
        refrt.InferenceSession(model_with_constant_subgraph().SerializeToString(), so)


def test_optimized_model_file_holds_the_folded_graph(tmp_path):
    import onnxruntime as ort

    so = refrt.SessionOptions()
    so.optimized_model_filepath = str(tmp_path / "folded.onnx")
    refrt.InferenceSession(model_with_constant_subgraph().SerializeToString(), so)
    saved = onnx.load(so.optimized_model_filepath)
    onnx.checker.check_model(saved)
    assert [n.op_type for n in saved.graph.node] == ["Mul", "RandomUniform"]
    x = np.array([1, -1, 0.5], np.float32)
    (y, _) = ort.InferenceSession(so.optimized_model_filepath, providers=["CPUExecutionProvider"]).run(None, {"X": x})
    np.testing.assert_array_equal(y, x * np.array([2, 3, 4], np.float32))
