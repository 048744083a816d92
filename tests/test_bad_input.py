"""Bad models and bad feeds get onnxruntime's exception classes and messages, fast."""

from __future__ import annotations

import os

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import refrt
from refrt.errors import Fail, InvalidArgument, InvalidGraph, InvalidProtobuf, NoSuchFile, NotImplemented


def small_model(opset: int = 17) -> onnx.ModelProto:
    """X: float[N,3], I: int64[2], initializer W; Y = X + W, Z = I * 2 (ORT_BEHAVIOUR.md's model)."""
    nodes = [
        helper.make_node("Add", ["X", "W"], ["Y"], name="add"),
        helper.make_node("Mul", ["I", "two"], ["Z"], name="mul"),
    ]
    graph = helper.make_graph(
        nodes,
        "small",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["N", 3]), helper.make_tensor_value_info("I", TensorProto.INT64, [2])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, ["N", 3]), helper.make_tensor_value_info("Z", TensorProto.INT64, [2])],
        [numpy_helper.from_array(np.arange(3, dtype=np.float32), "W"), numpy_helper.from_array(np.array(2, np.int64), "two")],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def one_node(op: str, inputs, outputs, attrs=None, *, domain: str = "", opsets=None, in_types=None) -> onnx.ModelProto:
    node = helper.make_node(op, inputs, outputs, domain=domain, **(attrs or {}))
    ins = [helper.make_tensor_value_info(n, (in_types or {}).get(n, TensorProto.FLOAT), None) for n in inputs if n]
    outs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in outputs]
    graph = helper.make_graph([node], "g", ins, outs)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid(d, v) for d, v in (opsets or {"": 17}).items()])


@pytest.fixture
def session():
    return refrt.InferenceSession(small_model().SerializeToString())


X = np.ones((4, 3), np.float32)
I = np.array([1, 2], np.int64)


# -- model files -------------------------------------------------------------------------------

def test_missing_file():
    with pytest.raises(NoSuchFile) as e:
        refrt.InferenceSession("nope.onnx")
    assert str(e.value) == (
        "[ONNXRuntimeError] : 3 : NO_SUCHFILE : Load model from nope.onnx failed:Load model nope.onnx failed. "
        "File doesn't exist"
    )


def test_empty_file(tmp_path):
    path = tmp_path / "empty.onnx"
    path.write_bytes(b"")
    with pytest.raises(InvalidProtobuf, match=r"INVALID_PROTOBUF : Failed to load model because protobuf parsing failed.*empty"):
        refrt.InferenceSession(str(path))


def test_truncated_file(tmp_path):
    data = small_model().SerializeToString()
    path = tmp_path / "truncated.onnx"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InvalidProtobuf, match="Failed to load model because protobuf parsing failed"):
        refrt.InferenceSession(str(path))


@pytest.mark.parametrize("garbage", [b"\xff" * 64, b"this is not a model", os.urandom(4096)])
def test_garbage_bytes(garbage):
    with pytest.raises(InvalidProtobuf, match="Failed to load model because protobuf parsing failed"):
        refrt.InferenceSession(garbage)


def test_wrong_source_type():
    with pytest.raises(TypeError, match="Unable to load from type 'int'"):
        refrt.InferenceSession(42)


# -- graphs -------------------------------------------------------------------------------------

def test_graph_with_cycle():
    nodes = [helper.make_node("Relu", ["B"], ["A"], name="a"), helper.make_node("Neg", ["A"], ["B"], name="b"),
             helper.make_node("Add", ["X", "A"], ["Y"], name="y")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("X", TensorProto.FLOAT, [2])],
                              [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [2])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    with pytest.raises(InvalidGraph) as e:
        refrt.InferenceSession(model.SerializeToString())
    assert "INVALID_GRAPH : This is an invalid model. The graph has a cycle" in str(e.value)
    assert "Relu(name='a'" in str(e.value) and "Neg(name='b'" in str(e.value)


def test_node_reads_value_nobody_produces():
    model = one_node("Add", ["X", "Q2"], ["Y"])
    del model.graph.input[1]
    with pytest.raises(InvalidArgument) as e:
        refrt.InferenceSession(model.SerializeToString())
    assert str(e.value) == (
        "[ONNXRuntimeError] : 2 : INVALID_ARGUMENT : Invalid model. Node input 'Q2' is not a graph input, "
        "initializer, or output of a previous node."
    )


def test_graph_output_nobody_produces():
    model = one_node("Relu", ["X"], ["Y"])
    model.graph.output.append(helper.make_tensor_value_info("Ghost", TensorProto.FLOAT, None))
    with pytest.raises(InvalidGraph, match=r"Graph output \(Ghost\) is not produced by any node"):
        refrt.InferenceSession(model.SerializeToString())


def test_unknown_op():
    with pytest.raises(InvalidGraph) as e:
        refrt.InferenceSession(one_node("FooOp", ["X"], ["Q"]).SerializeToString())
    assert str(e.value) == (
        '[ONNXRuntimeError] : 10 : INVALID_GRAPH : This is an invalid model. In Node, ("", FooOp, "", -1) : '
        '("X",) -> ("Q",) , Error No Op registered for FooOp with domain_version of 17'
    )


def test_unknown_domain_without_opset_import():
    with pytest.raises(InvalidGraph, match="No opset import for domain 'custom'"):
        refrt.InferenceSession(one_node("InvAlpha", ["X"], ["Q"], domain="custom").SerializeToString())


def test_unregistered_custom_op():
    model = one_node("InvAlpha", ["X"], ["Q"], domain="custom", opsets={"": 17, "custom": 1})
    with pytest.raises(Fail) as e:
        refrt.InferenceSession(model.SerializeToString())
    assert str(e.value) == "[ONNXRuntimeError] : 1 : FAIL : Fatal error: custom:InvAlpha(-1) is not a registered function/op"


def test_opset_newer_than_supported():
    with pytest.raises(Fail) as e:
        refrt.InferenceSession(small_model(opset=99).SerializeToString())
    msg = str(e.value)
    assert msg.startswith("[ONNXRuntimeError] : 1 : FAIL : ")
    assert "Opset 99 is under development" in msg
    assert f"Current official support for domain ai.onnx is till opset {onnx.defs.onnx_opset_version()}." in msg


def test_attribute_of_wrong_type():
    with pytest.raises(InvalidGraph) as e:
        refrt.InferenceSession(one_node("Softmax", ["X"], ["Y"], {"axis": 1.5}).SerializeToString())
    assert "Mismatched attribute type in ' : axis'. Expected: 'INT', actual: 'FLOAT'" in str(e.value)
    assert '("", Softmax, "", -1)' in str(e.value)


def test_type_mismatch_inside_graph():
    model = one_node("Add", ["X", "I"], ["Y"], in_types={"I": TensorProto.INT64})
    with pytest.raises(Fail) as e:
        refrt.InferenceSession(model.SerializeToString())
    assert "FAIL : Type Error:" in str(e.value) and "(Add)" in str(e.value)


def test_unsupported_kernel_attribute_is_refused():
    @refrt.kernel("Strict", domain="test.strict")
    def strict(x):
        return x

    model = one_node("Strict", ["X"], ["Y"], {"mode": "fast"}, domain="test.strict", opsets={"": 17, "test.strict": 1})
    with pytest.raises(NotImplemented, match="attribute 'mode' is not supported"):
        refrt.InferenceSession(model.SerializeToString())


# -- external data ----------------------------------------------------------------------------------

def _model_with_external(tmp_path, location: str) -> str:
    model = small_model()
    tensor = model.graph.initializer[0]
    tensor.ClearField("raw_data")
    tensor.ClearField("float_data")
    tensor.data_location = TensorProto.EXTERNAL
    for k, v in {"location": location, "offset": "0", "length": "12"}.items():
        entry = tensor.external_data.add()
        entry.key, entry.value = k, v
    folder = tmp_path / "model"
    folder.mkdir()
    path = folder / "model.onnx"
    path.write_bytes(model.SerializeToString())
    return str(path)


def test_external_data_is_read_from_the_models_folder(tmp_path):
    path = _model_with_external(tmp_path, "weights.bin")
    (tmp_path / "model" / "weights.bin").write_bytes(np.array([5, 6, 7], np.float32).tobytes())
    (y, _) = refrt.InferenceSession(path).run(None, {"X": X, "I": I})
    np.testing.assert_array_equal(y, X + np.array([5, 6, 7], np.float32))


@pytest.mark.parametrize("location", ["/etc/passwd", "../secret.bin", "sub/../../secret.bin"])
def test_external_data_outside_the_models_folder_is_refused(tmp_path, location):
    (tmp_path / "secret.bin").write_bytes(b"\0" * 12)
    path = _model_with_external(tmp_path, location)
    with pytest.raises(InvalidArgument) as e:
        refrt.InferenceSession(path)
    assert f"External data for tensor 'W' has location '{location}'" in str(e.value)


def test_external_data_symlink_escaping_the_folder_is_refused(tmp_path):
    (tmp_path / "secret.bin").write_bytes(b"\0" * 12)
    path = _model_with_external(tmp_path, "link.bin")
    os.symlink(tmp_path / "secret.bin", tmp_path / "model" / "link.bin")
    with pytest.raises(InvalidArgument, match="escapes the model's folder"):
        refrt.InferenceSession(path)


def test_external_data_from_bytes_is_refused(tmp_path):
    path = _model_with_external(tmp_path, "weights.bin")
    with open(path, "rb") as f:
        data = f.read()
    with pytest.raises(InvalidArgument, match="uses external data .* given as bytes"):
        refrt.InferenceSession(data)


def test_external_data_shorter_than_declared(tmp_path):
    path = _model_with_external(tmp_path, "weights.bin")
    (tmp_path / "model" / "weights.bin").write_bytes(b"\0" * 4)
    with pytest.raises(InvalidArgument, match="has only 4 bytes"):
        refrt.InferenceSession(path)


# -- run time -----------------------------------------------------------------------------------------

def test_constant_of_shape_asking_for_terabytes_fails_fast():
    shape = numpy_helper.from_array(np.array([1 << 20, 1 << 20, 1 << 10], np.int64), "shape")
    node = helper.make_node("ConstantOfShape", ["shape"], ["Y"], name="huge")
    graph = helper.make_graph([node], "g", [], [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)], [shape])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    sess = refrt.InferenceSession(model.SerializeToString())
    with pytest.raises(Fail) as e:
        sess.run(None, {})
    assert "running ConstantOfShape node. Name:'huge'" in str(e.value)
    assert "bytes" in str(e.value)


def test_reshape_to_impossible_shape():
    shape = numpy_helper.from_array(np.array([7, 7], np.int64), "shape")
    node = helper.make_node("Reshape", ["X", "shape"], ["Y"], name="r")
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["N", 3])],
                              [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)], [shape])
    sess = refrt.InferenceSession(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString())
    with pytest.raises(Fail) as e:
        sess.run(None, {"X": X})
    msg = str(e.value)
    assert msg.startswith("[ONNXRuntimeError] : 1 : FAIL : Non-zero status code returned while running Reshape node. Name:'r' Status Message: ")
    assert "(4, 3)" in msg or "{4,3}" in msg


# -- feeds -------------------------------------------------------------------------------------

def test_misspelled_input(session):
    with pytest.raises(ValueError) as e:
        session.run(None, {"x": X, "I": I})
    assert str(e.value) == "Required inputs (['X']) are missing from input feed (['x', 'I'])."


def test_missing_input(session):
    with pytest.raises(ValueError) as e:
        session.run(None, {"X": X})
    assert str(e.value) == "Required inputs (['I']) are missing from input feed (['X'])."


def test_unknown_extra_input(session):
    with pytest.raises(InvalidArgument) as e:
        session.run(None, {"X": X, "I": I, "bogus": X})
    assert str(e.value) == "[ONNXRuntimeError] : 2 : INVALID_ARGUMENT : Invalid input name: bogus"


def test_feeding_a_non_overridable_initializer(session):
    with pytest.raises(InvalidArgument, match="Invalid input name: W$"):
        session.run(None, {"X": X, "I": I, "W": X[0]})


@pytest.mark.parametrize(
    "feed, actual, expected",
    [({"X": X.astype(np.float64), "I": I}, "double", "float"), ({"X": X, "I": I.astype(np.int32)}, "int32", "int64")],
)
def test_wrong_dtype(session, feed, actual, expected):
    with pytest.raises(InvalidArgument) as e:
        session.run(None, feed)
    assert str(e.value) == (
        f"[ONNXRuntimeError] : 2 : INVALID_ARGUMENT : Unexpected input data type. Actual: (tensor({actual})) , "
        f"expected: (tensor({expected}))"
    )


def test_wrong_rank(session):
    with pytest.raises(InvalidArgument) as e:
        session.run(None, {"X": np.ones(3, np.float32), "I": I})
    assert str(e.value) == (
        "[ONNXRuntimeError] : 2 : INVALID_ARGUMENT : Invalid rank for input: X Got: 1 Expected: 2 "
        "Please fix either the inputs/outputs or the model."
    )


def test_wrong_fixed_dimension(session):
    with pytest.raises(InvalidArgument) as e:
        session.run(None, {"X": np.ones((4, 5), np.float32), "I": I})
    assert str(e.value) == (
        "[ONNXRuntimeError] : 2 : INVALID_ARGUMENT : Got invalid dimensions for input: X for the following indices\n"
        " index: 1 Got: 5 Expected: 3\n Please fix either the inputs/outputs or the model."
    )


@pytest.mark.parametrize("scalar", [1.5, np.int64(3), 7])
def test_python_scalar_for_an_array(session, scalar):
    with pytest.raises(RuntimeError, match=r"Unable to handle object of type <class '[\w.]+'> for input 'X'"):
        session.run(None, {"X": scalar, "I": I})


def test_feed_that_is_not_a_dict(session):
    with pytest.raises(AttributeError, match="'list' object has no attribute 'keys'"):
        session.run(None, [X, I])


def test_python_lists_are_converted_like_onnxruntime(session):
    y, z = session.run(None, {"X": [[1, 2, 3]], "I": [4.0, 5.0]})
    assert y.dtype == np.float32 and z.dtype == np.int64
    np.testing.assert_array_equal(y, [[1, 3, 5]])
    np.testing.assert_array_equal(z, [8, 10])


def test_lossy_list_conversion_is_refused(session):
    with pytest.raises(InvalidArgument, match="Input 'I' expects tensor\\(int64\\), but the list holds non-integral numbers"):
        session.run(None, {"X": X, "I": [1.5, 2.0]})


def test_unknown_output_name(session):
    with pytest.raises(InvalidArgument) as e:
        session.run(["nope"], {"X": X, "I": I})
    assert str(e.value) == "[ONNXRuntimeError] : 2 : INVALID_ARGUMENT : Invalid output name:nope"


def test_non_contiguous_array_is_accepted(session):
    wide = np.ones((4, 6), np.float32)[:, ::2]
    (y,) = session.run(["Y"], {"X": wide, "I": I})
    np.testing.assert_array_equal(y, wide + np.arange(3, dtype=np.float32))


def test_large_initializer_with_wrong_data_size():
    w = numpy_helper.from_array(np.zeros(10_000, np.float32), "W")
    w.raw_data = w.raw_data[:1000]  # truncated weights
    graph = helper.make_graph([helper.make_node("Add", ["X", "W"], ["Y"])], "g",
                              [helper.make_tensor_value_info("X", TensorProto.FLOAT, [10_000])],
                              [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [10_000])], [w])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    with pytest.raises(InvalidGraph, match="Initializer 'W' cannot be read"):
        refrt.InferenceSession(model.SerializeToString())


# -- what onnxruntime tolerates or refuses at session creation, as converters write models -----------------


def _one_node(node, x_shape, y_type, y_shape, ml_opset=None):
    opsets = [helper.make_opsetid("", 17)] + ([helper.make_opsetid("ai.onnx.ml", ml_opset)] if ml_opset else [])
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
                              [helper.make_tensor_value_info("y", y_type, y_shape)])
    return helper.make_model(graph, opset_imports=opsets, ir_version=8).SerializeToString()


def test_declared_output_shape_that_inference_contradicts_warns_and_runs_as_onnxruntime():
    # skl2onnx declares [N, 1] for a two-target regressor; onnxruntime warns and merges leniently
    model = _one_node(helper.make_node("Relu", ["x"], ["y"]), ["N", 2], TensorProto.FLOAT, ["N", 1])
    with pytest.warns(UserWarning, match="lenient merge"):
        sess = refrt.InferenceSession(model)
    x = np.array([[1, -2], [-3, 4]], np.float32)
    (y,) = sess.run(None, {"x": x})
    np.testing.assert_array_equal(y, np.maximum(x, 0))
    assert sess.get_outputs()[0].shape == ["N", 1]  # the declared shape, as onnxruntime reports it


def test_declared_output_type_that_inference_contradicts_is_still_an_error():
    model = _one_node(helper.make_node("Relu", ["x"], ["y"]), ["N", 2], TensorProto.INT64, ["N", 2])
    with pytest.raises(Fail, match="Inferred elem type differs"):
        refrt.InferenceSession(model)


def _regressor(**attrs):
    base = dict(nodes_treeids=[0], nodes_nodeids=[0], nodes_featureids=[0], nodes_values=[0.0], nodes_modes=["LEAF"],
                nodes_truenodeids=[0], nodes_falsenodeids=[0], target_treeids=[0], target_nodeids=[0], target_ids=[0],
                target_weights=[1.0], n_targets=1)
    return helper.make_node("TreeEnsembleRegressor", ["x"], ["y"], domain="ai.onnx.ml", **(base | attrs))


def test_deprecated_ml_revision_is_an_invalid_graph_as_in_onnxruntime():
    with pytest.raises(InvalidGraph, match="TreeEnsembleRegressor is deprecated in domain_version of 5"):
        refrt.InferenceSession(_one_node(_regressor(), ["N", 2], TensorProto.FLOAT, None, ml_opset=5))


def test_bad_attributes_of_a_prepared_kernel_fail_at_initialization():
    model = _one_node(_regressor(nodes_modes=["NOT_A_MODE"]), ["N", 2], TensorProto.FLOAT, None, ml_opset=3)
    with pytest.raises(Fail, match="Exception during initialization"):
        refrt.InferenceSession(model)
