"""The drop-in API: what `import refrt as ort` code relies on, and what refrt adds on purpose."""

from __future__ import annotations

import json
import threading
import warnings
import weakref

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import refrt
from refrt.errors import Fail


def mlp_model(ir_version: int | None = None, shuffled: bool = False) -> onnx.ModelProto:
    """Y = Relu(X @ W + B) @ W2, with W also a graph input (an overridable initializer)."""
    rng = np.random.default_rng(0)
    inits = [
        numpy_helper.from_array(rng.standard_normal((3, 4)).astype(np.float32), "W"),
        numpy_helper.from_array(rng.standard_normal(4).astype(np.float32), "B"),
        numpy_helper.from_array(rng.standard_normal((4, 2)).astype(np.float32), "W2"),
    ]
    nodes = [
        helper.make_node("MatMul", ["X", "W"], ["xw"], name="mm"),
        helper.make_node("Add", ["xw", "B"], ["hidden"], name="bias"),
        helper.make_node("Relu", ["hidden"], ["act"], name="relu"),
        helper.make_node("MatMul", ["act", "W2"], ["Y"], name="out"),
    ]
    if shuffled:
        nodes = nodes[::-1]
    graph = helper.make_graph(
        nodes, "mlp",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["batch", 3]), helper.make_tensor_value_info("W", TensorProto.FLOAT, [3, 4])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, ["batch", 2])],
        inits,
        doc_string="a tiny MLP",
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="refrt-tests",
                              model_version=7, doc_string="model doc", domain="ai.refrt.test")
    helper.set_model_props(model, {"author": "tests", "license": "none"})
    if ir_version:
        model.ir_version = ir_version
    return model


def reference(x: np.ndarray, model: onnx.ModelProto, w: np.ndarray | None = None) -> np.ndarray:
    t = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    w = t["W"] if w is None else w
    return np.maximum(x @ w + t["B"], 0) @ t["W2"]


X = np.arange(6, dtype=np.float32).reshape(2, 3) / 6


def test_drop_in_names():
    for name in ("InferenceSession", "SessionOptions", "RunOptions", "GraphOptimizationLevel", "ExecutionMode",
                 "get_available_providers", "get_all_providers", "get_device", "NodeArg", "ModelMetadata"):
        assert hasattr(refrt, name), name
    assert refrt.__version__
    levels = refrt.GraphOptimizationLevel
    assert (levels.ORT_DISABLE_ALL, levels.ORT_ENABLE_BASIC, levels.ORT_ENABLE_EXTENDED, levels.ORT_ENABLE_LAYOUT,
            levels.ORT_ENABLE_ALL) == (0, 1, 2, 3, 99)
    assert refrt.get_device() == "CPU"
    assert "CPUExecutionProvider" in refrt.get_available_providers()
    assert set(refrt.get_available_providers()) <= set(refrt.get_all_providers())
    from refrt.capi.onnxruntime_pybind11_state import Fail as CapiFail, InvalidArgument  # noqa: F401
    assert CapiFail is Fail


def test_runs_like_onnxruntime():
    import onnxruntime as ort

    model = mlp_model()
    ours = refrt.InferenceSession(model.SerializeToString()).run(None, {"X": X})
    theirs = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, {"X": X})
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-6)
    np.testing.assert_allclose(ours[0], reference(X, model), rtol=1e-5)


def test_node_args_and_overridable_initializers():
    sess = refrt.InferenceSession(mlp_model().SerializeToString())
    (x,) = sess.get_inputs()
    assert (x.name, x.type, x.shape) == ("X", "tensor(float)", ["batch", 3])
    assert repr(x) == "NodeArg(name='X', type='tensor(float)', shape=['batch', 3])"
    assert [(o.name, o.type, o.shape) for o in sess.get_outputs()] == [("Y", "tensor(float)", ["batch", 2])]
    assert [(o.name, o.shape) for o in sess.get_overridable_initializers()] == [("W", [3, 4])]
    w = np.ones((3, 4), np.float32)
    (y,) = sess.run(None, {"X": X, "W": w})
    np.testing.assert_allclose(y, reference(X, mlp_model(), w), rtol=1e-5)


def test_type_strings_of_non_tensor_inputs():
    seq = helper.make_tensor_sequence_value_info("S", TensorProto.INT64, None)
    map_type = helper.make_map_type_proto(TensorProto.STRING, helper.make_tensor_type_proto(TensorProto.FLOAT, None))
    opt = helper.make_value_info("O", helper.make_optional_type_proto(helper.make_tensor_type_proto(TensorProto.DOUBLE, [2])))
    graph = helper.make_graph(
        [helper.make_node("Identity", ["X"], ["Y"])], "types",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT16, [None, 2]), seq, helper.make_value_info("M", map_type), opt],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT16, [None, 2])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    sess = refrt.InferenceSession(model.SerializeToString())
    assert [(i.name, i.type, i.shape) for i in sess.get_inputs()] == [
        ("X", "tensor(float16)", [None, 2]),
        ("S", "seq(tensor(int64))", []),
        ("M", "map(string,tensor(float))", []),
        ("O", "optional(tensor(double))", []),
    ]


def test_model_metadata():
    meta = refrt.InferenceSession(mlp_model().SerializeToString()).get_modelmeta()
    assert meta.producer_name == "refrt-tests"
    assert meta.graph_name == "mlp"
    assert meta.domain == "ai.refrt.test"
    assert meta.description == "model doc"
    assert meta.graph_description == "a tiny MLP"
    assert meta.version == 7
    assert meta.custom_metadata_map == {"author": "tests", "license": "none"}


def test_providers_and_options():
    data = mlp_model().SerializeToString()
    sess = refrt.InferenceSession(data, providers=[("CPUExecutionProvider", {"arena_extend_strategy": 1})])
    assert sess.get_providers() == ["CPUExecutionProvider"]
    assert sess.get_provider_options() == {"CPUExecutionProvider": {"arena_extend_strategy": "1"}}
    sess.set_providers(["CPUExecutionProvider"])
    assert sess.get_provider_options() == {"CPUExecutionProvider": {}}
    np.testing.assert_allclose(sess.run(None, {"X": X})[0], reference(X, mlp_model()), rtol=1e-5)


def test_unknown_provider_warns_and_falls_back():
    with pytest.warns(UserWarning, match="Unknown Provider Type: FooExecutionProvider"):
        sess = refrt.InferenceSession(mlp_model().SerializeToString(), providers=["FooExecutionProvider"])
    assert sess.get_providers() == ["CPUExecutionProvider"]


@pytest.mark.skipif("CUDAExecutionProvider" in refrt.get_available_providers(), reason="a GPU is present")
def test_unavailable_provider_warns_and_falls_back():
    with pytest.warns(UserWarning, match="'CUDAExecutionProvider' is not in available provider names"):
        sess = refrt.InferenceSession(mlp_model().SerializeToString(), providers=["CUDAExecutionProvider", "CPUExecutionProvider"])
    assert sess.get_providers() == ["CPUExecutionProvider"]


def test_session_and_run_options():
    so = refrt.SessionOptions()
    assert so.graph_optimization_level == refrt.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.add_session_config_entry("session.use_env_allocators", "1")
    assert so.get_session_config_entry("session.use_env_allocators") == "1"
    with pytest.raises(RuntimeError, match="does not have configuration with key: nope"):
        so.get_session_config_entry("nope")
    so.intra_op_num_threads = 1
    sess = refrt.InferenceSession(mlp_model().SerializeToString(), so)
    assert sess.get_session_options() is so
    ro = refrt.RunOptions()
    ro.terminate = True
    with pytest.raises(Fail, match="terminate flag"):
        sess.run(None, {"X": X}, ro)


def test_any_intermediate_value_can_be_fetched():
    sess = refrt.InferenceSession(mlp_model().SerializeToString())
    hidden, y, x_back = sess.run(["hidden", "Y", "X"], {"X": X})
    t = {i.name: numpy_helper.to_array(i) for i in mlp_model().graph.initializer}
    np.testing.assert_allclose(hidden, X @ t["W"] + t["B"], rtol=1e-5)
    np.testing.assert_allclose(y, reference(X, mlp_model()), rtol=1e-5)
    np.testing.assert_array_equal(x_back, X)


def _counting_op(calls: list):
    @refrt.kernel("Count", domain="test.count")
    def count(x, *, tag=""):
        calls.append(tag)
        return x

    return count


def test_only_the_nodes_a_fetch_needs_run():
    calls: list[str] = []
    _counting_op(calls)
    nodes = [helper.make_node("Count", ["X"], ["a"], domain="test.count", tag="a"),
             helper.make_node("Count", ["X"], ["b"], domain="test.count", tag="b"),
             helper.make_node("Add", ["a", "b"], ["Y"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("X", TensorProto.FLOAT, [2])],
                              [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [2])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("test.count", 1)])
    sess = refrt.InferenceSession(model.SerializeToString())
    (a,) = sess.run(["a"], {"X": np.ones(2, np.float32)})
    assert calls == ["a"]
    calls.clear()
    sess.run(None, {"X": np.ones(2, np.float32)})
    assert sorted(calls) == ["a", "b"]


def test_nodes_stored_out_of_order_are_scheduled():
    model = mlp_model(shuffled=True)
    (y,) = refrt.InferenceSession(model.SerializeToString()).run(None, {"X": X})
    np.testing.assert_allclose(y, reference(X, model), rtol=1e-5)


def test_intermediates_are_released_after_their_last_use():
    seen: dict[str, weakref.ref] = {}
    alive_at_end: list[bool] = []

    class Tracked(np.ndarray):
        pass

    @refrt.kernel("Make", domain="test.release")
    def make(x):
        out = (x + 1).view(Tracked)
        seen["tmp"] = weakref.ref(out)
        return out

    @refrt.kernel("Probe", domain="test.release")
    def probe(x):
        alive_at_end.append(seen["tmp"]() is not None)
        return x

    nodes = [helper.make_node("Make", ["X"], ["tmp"], domain="test.release"),
             helper.make_node("Neg", ["tmp"], ["n"]),
             helper.make_node("Probe", ["n"], ["Y"], domain="test.release")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("X", TensorProto.FLOAT, [2])],
                              [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [2])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("test.release", 1)])
    sess = refrt.InferenceSession(model.SerializeToString())
    sess.run(None, {"X": np.ones(2, np.float32)})
    assert alive_at_end == [False]  # 'tmp' was dropped once Neg, its last consumer, had run


def test_custom_op_with_attribute_defaults():
    @refrt.kernel("InvAlpha", domain="test.custom")
    def inv_alpha(x, *, alpha=1.0):
        return (1.0 / (x + alpha)).astype(x.dtype)

    node = helper.make_node("InvAlpha", ["X"], ["Y"], domain="test.custom", alpha=3.0)
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("X", TensorProto.FLOAT, [2])],
                              [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [2])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("test.custom", 1)])
    (y,) = refrt.InferenceSession(model.SerializeToString()).run(None, {"X": np.array([1, 2], np.float32)})
    np.testing.assert_allclose(y, [0.25, 0.2])


def test_run_from_many_threads_at_once():
    sess = refrt.InferenceSession(mlp_model().SerializeToString())
    inputs = [np.random.default_rng(i).standard_normal((5, 3)).astype(np.float32) for i in range(16)]
    results: dict[int, np.ndarray] = {}
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            for _ in range(50):
                (y,) = sess.run(["Y"] if i % 2 else None, {"X": inputs[i]})
                assert np.allclose(y, reference(inputs[i], mlp_model()), rtol=1e-5, atol=1e-6)
            results[i] = y
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == 16


def test_profiling_writes_a_chrome_trace(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    so = refrt.SessionOptions()
    so.enable_profiling = True
    so.graph_optimization_level = refrt.GraphOptimizationLevel.ORT_DISABLE_ALL  # every node as written
    sess = refrt.InferenceSession(mlp_model().SerializeToString(), so)
    sess.run(None, {"X": X})
    path = sess.end_profiling()
    events = json.loads((tmp_path / path).read_text())
    names = {(e["cat"], e["name"]) for e in events}
    assert ("Session", "model_loading_uri") in names and ("Session", "session_initialization") in names
    assert ("Session", "model_run") in names and ("Node", "relu_kernel_time") in names
    relu = next(e for e in events if e["name"] == "relu_kernel_time")
    assert relu["ph"] == "X" and relu["args"]["op_name"] == "Relu" and relu["args"]["provider"] == "CPUExecutionProvider"
    assert set(relu) >= {"cat", "pid", "tid", "dur", "ts", "ph", "name", "args"}


def test_optimized_model_filepath_writes_a_loadable_model(tmp_path):
    so = refrt.SessionOptions()
    so.optimized_model_filepath = str(tmp_path / "opt.onnx")
    refrt.InferenceSession(mlp_model(shuffled=True).SerializeToString(), so)
    saved = onnx.load(so.optimized_model_filepath)
    onnx.checker.check_model(saved)
    (y,) = refrt.InferenceSession(so.optimized_model_filepath).run(None, {"X": X})
    np.testing.assert_allclose(y, reference(X, mlp_model()), rtol=1e-5)


def test_model_from_path_and_modelproto(tmp_path):
    model = mlp_model()
    path = tmp_path / "m.onnx"
    onnx.save(model, path)
    for source in (str(path), path, model):
        (y,) = refrt.InferenceSession(source).run(None, {"X": X})
        np.testing.assert_allclose(y, reference(X, model), rtol=1e-5)


def test_local_functions_run():
    fn = helper.make_function("local", "AddRelu", ["a", "b"], ["c"],
                              [helper.make_node("Add", ["a", "b"], ["s"]), helper.make_node("Relu", ["s"], ["c"])],
                              [helper.make_opsetid("", 17)])
    node = helper.make_node("AddRelu", ["X", "X"], ["Y"], domain="local")
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("X", TensorProto.FLOAT, [3])],
                              [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [3])])
    model = helper.make_model(graph, functions=[fn], opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("local", 1)])
    (y,) = refrt.InferenceSession(model.SerializeToString()).run(None, {"X": np.array([-1, 0, 2], np.float32)})
    np.testing.assert_array_equal(y, [0, 0, 4])


def test_if_subgraph_reads_outer_scope():
    then_g = helper.make_graph([helper.make_node("Add", ["X", "X"], ["t"])], "then", [],
                               [helper.make_tensor_value_info("t", TensorProto.FLOAT, [2])])
    else_g = helper.make_graph([helper.make_node("Neg", ["X"], ["e"])], "else", [],
                               [helper.make_tensor_value_info("e", TensorProto.FLOAT, [2])])
    node = helper.make_node("If", ["C"], ["Y"], then_branch=then_g, else_branch=else_g)
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("C", TensorProto.BOOL, []),
                                            helper.make_tensor_value_info("X", TensorProto.FLOAT, [2])],
                              [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [2])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    sess = refrt.InferenceSession(model.SerializeToString())
    x = np.array([1, 2], np.float32)
    np.testing.assert_array_equal(sess.run(None, {"C": np.array(True), "X": x})[0], [2, 4])
    np.testing.assert_array_equal(sess.run(None, {"C": np.array(False), "X": x})[0], [-1, -2])


def test_no_warning_for_an_ordinary_session():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        refrt.InferenceSession(mlp_model().SerializeToString()).run(None, {"X": X})


def test_outputs_never_alias_feeds_or_constants():
    nodes = [helper.make_node("Identity", ["X"], ["A"]), helper.make_node("Reshape", ["X", "shape"], ["B"]),
             helper.make_node("Identity", ["C"], ["D"])]
    graph = helper.make_graph(nodes, "alias", [helper.make_tensor_value_info("X", TensorProto.FLOAT, [2, 3])],
                              [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in "ABD"],
                              [numpy_helper.from_array(np.array([3, 2], np.int64), "shape"),
                               numpy_helper.from_array(np.ones(2, np.float32), "C")])
    sess = refrt.InferenceSession(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString())
    x = np.zeros((2, 3), np.float32)
    a, b, d = sess.run(None, {"X": x})
    assert not np.shares_memory(a, x) and not np.shares_memory(b, x)
    d[0] = 5  # writable, and the constant behind it is untouched
    np.testing.assert_array_equal(sess.run(None, {"X": x})[2], [1, 1])


def test_nested_local_functions_with_attribute_references():
    alpha = helper.make_node("Constant", [], ["a"], value_float=1.0)
    alpha.attribute[0].ref_attr_name = "alpha"  # Scale's own attribute
    inner = helper.make_function("loc", "Scale", ["x"], ["y"], [alpha, helper.make_node("Mul", ["x", "a"], ["y"])],
                                 [helper.make_opsetid("", 17)], attributes=["alpha"])
    call = helper.make_node("Scale", ["x"], ["s"], domain="loc")
    ref = onnx.AttributeProto(name="alpha", ref_attr_name="beta", type=onnx.AttributeProto.FLOAT)
    call.attribute.append(ref)  # ScaleRelu passes its 'beta' on as Scale's 'alpha'
    outer = helper.make_function("loc", "ScaleRelu", ["x"], ["z"], [call, helper.make_node("Relu", ["s"], ["z"])],
                                 [helper.make_opsetid("", 17), helper.make_opsetid("loc", 1)], attributes=["beta"])
    node = helper.make_node("ScaleRelu", ["X"], ["Y"], domain="loc", beta=3.0)
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("X", TensorProto.FLOAT, [3])],
                              [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [3])])
    model = helper.make_model(graph, functions=[inner, outer],
                              opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("loc", 1)])
    (y,) = refrt.InferenceSession(model.SerializeToString()).run(None, {"X": np.array([-1, 1, 2], np.float32)})
    np.testing.assert_array_equal(y, [0, 3, 6])
