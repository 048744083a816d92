"""refrt.ONNXModel on pandas: batch inference against InferenceSession and onnxruntime on the same rows."""

from __future__ import annotations

import json
import pickle
import threading
import warnings

import numpy as np
import onnx
import onnxruntime
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from onnx import TensorProto, helper, numpy_helper

import refrt
from refrt.dataframe import ColumnError, ColumnTypeError, MissingColumnError, ONNXModel

RNG = np.random.default_rng(9)
N_ROWS = 13


# -- models ---------------------------------------------------------------------------------------
def image_model() -> bytes:
    """image [N,3,4,4] -> Conv(pad 1) -> Relu 'feat' -> Flatten -> MatMul -> 'logits' [N,5]; also 'scale' [N]."""
    rng = np.random.default_rng(1)
    w = numpy_helper.from_array(rng.standard_normal((2, 3, 3, 3)).astype(np.float32), "W")
    b = numpy_helper.from_array(rng.standard_normal(2).astype(np.float32), "B")
    m = numpy_helper.from_array(rng.standard_normal((32, 5)).astype(np.float32), "M")
    axes = numpy_helper.from_array(np.array([1, 2, 3], np.int64), "axes")
    nodes = [
        helper.make_node("Conv", ["image", "W", "B"], ["conv"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["conv"], ["feat"]),
        helper.make_node("Flatten", ["feat"], ["flat"], axis=1),
        helper.make_node("MatMul", ["flat", "M"], ["logits"]),
        helper.make_node("ReduceSum", ["image", "axes"], ["scale"], keepdims=0),
    ]
    graph = helper.make_graph(
        nodes, "image",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 3, 4, 4])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 5]),
         helper.make_tensor_value_info("scale", TensorProto.FLOAT, ["N"])],
        [w, b, m, axes],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    return model.SerializeToString()


def int_model() -> bytes:
    """x int64 [N] -> x * 2 'y' [N, 1] (through Unsqueeze)."""
    two = numpy_helper.from_array(np.array(2, np.int64), "two")
    ax = numpy_helper.from_array(np.array([1], np.int64), "ax")
    graph = helper.make_graph(
        [helper.make_node("Mul", ["x", "two"], ["m"]), helper.make_node("Unsqueeze", ["m", "ax"], ["y"])],
        "ints", [helper.make_tensor_value_info("x", TensorProto.INT64, ["N"])],
        [helper.make_tensor_value_info("y", TensorProto.INT64, ["N", 1])], [two, ax],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()


@pytest.fixture(scope="module")
def image_bytes() -> bytes:
    return image_model()


@pytest.fixture(scope="module")
def images() -> np.ndarray:
    return RNG.standard_normal((N_ROWS, 3, 4, 4)).astype(np.float32)


@pytest.fixture(scope="module")
def tabular():
    from skl2onnx import to_onnx
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(3)
    x = rng.standard_normal((120, 4)).astype(np.float32)
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(np.int64) + (x[:, 2] > 1)
    models = {}
    for name, est in (("logreg", LogisticRegression(max_iter=200)),
                      ("forest", RandomForestClassifier(n_estimators=5, max_depth=4, random_state=0))):
        est.fit(x, y)
        models[name] = to_onnx(est, x[:1], target_opset={"": 17, "ai.onnx.ml": 3}).SerializeToString()
    return models, x[:37]


def ort_run(model_bytes: bytes, feeds: dict, names=None) -> list:
    sess = onnxruntime.InferenceSession(model_bytes, providers=["CPUExecutionProvider"])
    return sess.run(names, feeds)


def in_batches(sess, names, feeds: dict, size: int) -> list[np.ndarray]:
    """What refrt's session gives on the same batch splits, concatenated."""
    n = len(next(iter(feeds.values())))
    parts = [sess.run(names, {k: v[s:s + size] for k, v in feeds.items()}) for s in range(0, n, size)]
    return [np.concatenate([p[i] for p in parts]) for i in range(len(names))]


# -- image model: nested-array columns ------------------------------------------------------------
def test_image_nested_lists_several_batches(image_bytes, images):
    df = pd.DataFrame({"id": np.arange(N_ROWS), "pixels": [im.tolist() for im in images]},
                      index=pd.Index(np.arange(N_ROWS) * 10 + 7, name="key"))
    model = ONNXModel(model_payload=image_bytes, feed_dict={"image": "pixels"},
                      fetch_dict={"logits": "logits", "total": "scale"}, mini_batch_size=5)
    out = model.transform(df)

    assert list(out.columns) == ["id", "pixels", "logits", "total"]
    assert out.index.equals(df.index)
    assert "logits" not in df.columns  # the input is left alone
    logits = np.stack(out["logits"].to_list())
    assert logits.shape == (N_ROWS, 5) and logits.dtype == np.float32
    assert out["total"].dtype == np.float32
    sess = refrt.InferenceSession(image_bytes)
    want_logits, want_scale = in_batches(sess, ["logits", "scale"], {"image": images}, 5)
    assert_array_equal(logits, want_logits)
    assert_array_equal(out["total"].to_numpy(), want_scale)
    ort_logits, ort_scale = ort_run(image_bytes, {"image": images})
    assert_allclose(logits, ort_logits, rtol=1e-5, atol=1e-5)
    assert_allclose(out["total"].to_numpy(), ort_scale, rtol=1e-5, atol=1e-5)


def test_image_flat_arrays_reshape_to_declared_shape(image_bytes, images):
    flat = pd.DataFrame({"image": list(images.reshape(N_ROWS, -1).astype(np.float64))})
    out = ONNXModel(model_payload=image_bytes).transform(flat)  # default feed and fetch: names
    assert list(out.columns) == ["image", "logits", "scale"]
    want = refrt.InferenceSession(image_bytes).run(["logits"], {"image": images})[0]
    assert_array_equal(np.stack(out["logits"].to_list()), want)


def test_arrow_style_nested_object_arrays(image_bytes, images):
    """Spark's Arrow hands nested lists over as object arrays of arrays."""
    def arrowish(im):
        outer = np.empty(3, dtype=object)
        for c in range(3):
            mid = np.empty(4, dtype=object)
            for h in range(4):
                mid[h] = im[c, h].astype(np.float64)
            outer[c] = mid
        return outer

    df = pd.DataFrame({"image": [arrowish(im) for im in images]})
    out = ONNXModel(model_payload=image_bytes, fetch_dict={"logits": "logits"}).transform(df)
    want = refrt.InferenceSession(image_bytes).run(["logits"], {"image": images})[0]
    assert_array_equal(np.stack(out["logits"].to_list()), want)


def test_intermediate_fetch(image_bytes, images):
    df = pd.DataFrame({"image": list(images)})
    model = ONNXModel(model_payload=image_bytes, fetch_dict={"features": "feat", "logits": "logits"},
                      mini_batch_size=4)
    out = model.transform(df)
    feat = np.stack(out["features"].to_list())
    assert feat.shape == (N_ROWS, 2, 4, 4)
    sess = refrt.InferenceSession(image_bytes)
    want = in_batches(sess, ["feat"], {"image": images}, 4)[0]
    assert_array_equal(feat, want)
    sliced = refrt.slice_model(onnx.load_from_string(image_bytes), ["feat"]).SerializeToString()
    assert_allclose(feat, ort_run(sliced, {"image": images})[0], rtol=1e-5, atol=1e-5)
    assert model.output_fields()[0] == ("features", "array", ("float32", (2, 4, 4)))


def test_empty_frame(image_bytes):
    df = pd.DataFrame({"image": pd.Series([], dtype=object)})
    model = ONNXModel(model_payload=image_bytes, softmax_dict={"logits": "prob"}, argmax_dict={"logits": "cls"})
    out = model.transform(df)
    assert list(out.columns) == ["image", "logits", "scale", "prob", "cls"]
    assert len(out) == 0
    assert out["scale"].dtype == np.float32 and out["cls"].dtype == np.int64


def test_softmax_and_argmax(image_bytes, images):
    df = pd.DataFrame({"image": list(images)})
    model = ONNXModel(model_payload=image_bytes, fetch_dict={"logits": "logits"}, mini_batch_size=6,
                      softmax_dict={"logits": "probability"}, argmax_dict={"probability": "prediction"})
    out = model.transform(df)
    logits = np.stack(out["logits"].to_list())
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    prob = np.stack(out["probability"].to_list())
    assert prob.dtype == np.float32
    assert_allclose(prob, e / e.sum(axis=1, keepdims=True), rtol=1e-6)
    assert_allclose(prob.sum(axis=1), 1, rtol=1e-6)
    assert_array_equal(out["prediction"].to_numpy(), logits.argmax(axis=1))
    assert out["prediction"].dtype == np.int64
    assert model.output_fields()[1:] == [("probability", "array", ("float32", (5,))),
                                         ("prediction", "scalar", ("int64",))]


def test_derived_column_direction_is_synapseml(image_bytes, images):
    model = ONNXModel(model_payload=image_bytes, fetch_dict={"logits": "logits"}, softmax_dict={"prob": "logits"})
    with pytest.raises(MissingColumnError, match=r"'prob'.*did you mean \{'logits': 'prob'\}"):
        model.transform(pd.DataFrame({"image": list(images)}))
    model = ONNXModel(model_payload=image_bytes, fetch_dict={"total": "scale"}, argmax_dict={"total": "x"})
    with pytest.raises(ColumnError, match="'total'.*per-row arrays or maps.*scalar"):
        model.output_fields()


@pytest.mark.parametrize("level", ["NO_OPT", "BASIC_OPT", "EXTENDED_OPT", "ALL_OPT"])
def test_optimization_levels(image_bytes, images, level):
    model = ONNXModel(model_payload=image_bytes, optimization_level=level.lower(), fetch_dict={"l": "logits"})
    out = model.transform(pd.DataFrame({"image": list(images)}))
    expected = refrt.dataframe.OPTIMIZATION_LEVELS[level]
    assert model.session.get_session_options().graph_optimization_level == expected
    assert_allclose(np.stack(out["l"].to_list()), ort_run(image_bytes, {"image": images})[0], rtol=1e-5, atol=1e-5)


def test_optimization_level_given_to_a_copy_of_sess_options(image_bytes):
    options = refrt.SessionOptions()
    options.intra_op_num_threads = 1
    model = ONNXModel(model_payload=image_bytes, sess_options=options, optimization_level="NO_OPT")
    used = model.session.get_session_options()
    assert used is not options and used.intra_op_num_threads == 1
    assert used.graph_optimization_level == refrt.GraphOptimizationLevel.ORT_DISABLE_ALL
    assert options.graph_optimization_level == refrt.GraphOptimizationLevel.ORT_ENABLE_ALL
    with pytest.raises(ValueError, match="optimization_level must be one of"):
        ONNXModel(model_payload=image_bytes, optimization_level="O3")


# -- tabular scikit-learn models: ZipMap --------------------------------------------------------------
@pytest.mark.parametrize("name", ["logreg", "forest"])
def test_sklearn_zipmap_from_scalar_columns(tabular, name):
    models, x = tabular
    df = pd.DataFrame({f"f{i}": x[:, i].astype(np.float64) for i in range(4)})
    model = ONNXModel(model_payload=models[name], feed_dict={"X": ["f0", "f1", "f2", "f3"]},
                      fetch_dict={"label": "output_label", "probability": "output_probability"},
                      argmax_dict={"probability": "best"}, mini_batch_size=10)
    out = model.transform(df)
    assert out["label"].dtype == np.int64
    assert all(isinstance(p, dict) for p in out["probability"])
    sess = refrt.InferenceSession(models[name])
    parts = [sess.run(None, {"X": x[s:s + 10]}) for s in range(0, len(x), 10)]
    assert_array_equal(out["label"].to_numpy(), np.concatenate([p[0] for p in parts]))
    assert out["probability"].to_list() == [d for p in parts for d in p[1]]
    ort_label, ort_prob = ort_run(models[name], {"X": x})
    assert_array_equal(out["label"].to_numpy(), ort_label)
    got = np.array([[d[k] for k in sorted(d)] for d in out["probability"]])
    assert_allclose(got, np.array([[d[k] for k in sorted(d)] for d in ort_prob]), rtol=1e-5, atol=1e-6)
    assert_array_equal(out["best"].to_numpy(), got.argmax(axis=1))  # the key of the largest: keys are 0..2
    assert model.output_fields() == [("label", "scalar", ("int64",)), ("probability", "map", ("int64", "float32")),
                                     ("best", "scalar", ("int64",))]


def test_sklearn_from_array_column_with_int_features(tabular):
    models, x = tabular
    xi = np.round(x * 3).astype(np.int64)
    df = pd.DataFrame({"X": list(xi)})
    out = ONNXModel(model_payload=models["logreg"], softmax_dict={"output_probability": "p"}).transform(df)
    label, prob = ort_run(models["logreg"], {"X": xi.astype(np.float32)})
    assert_array_equal(out["output_label"].to_numpy(), label)
    p = np.stack(out["p"].to_list())
    values = np.array([[d[k] for k in sorted(d)] for d in prob], dtype=np.float32)
    e = np.exp(values - values.max(axis=1, keepdims=True))
    assert_allclose(p, e / e.sum(axis=1, keepdims=True), rtol=1e-5)


def test_transform_batches_matches_transform(tabular):
    models, x = tabular
    df = pd.DataFrame({"X": list(x), "keep": np.arange(len(x))})
    model = ONNXModel(model_payload=models["forest"], mini_batch_size=8)
    whole = model.transform(df)
    chunks = [df.iloc[:5], df.iloc[5:5], df.iloc[5:30], df.iloc[30:]]
    parts = list(model.transform_batches(iter(chunks)))
    assert [len(p) for p in parts] == [5, 0, 25, len(x) - 30]
    joined = pd.concat(parts)
    assert list(joined.columns) == list(whole.columns)
    assert_array_equal(joined["output_label"].to_numpy(), whole["output_label"].to_numpy())
    assert joined["output_probability"].to_list() == whole["output_probability"].to_list()


# -- scalar columns, casts and bad input -------------------------------------------------------------
def test_scalar_columns_and_integral_floats():
    model = ONNXModel(model_payload=int_model(), feed_dict={"x": "v"}, fetch_dict={"y": "y"}, mini_batch_size=3)
    out = model.transform(pd.DataFrame({"v": [1.0, 2.0, -3.0, 4.0]}))
    assert out["y"].dtype == np.int64
    assert_array_equal(out["y"].to_numpy(), [2, 4, -6, 8])
    assert model.output_fields() == [("y", "scalar", ("int64",))]
    with pytest.raises(ColumnTypeError, match=r"column 'v'.*int64 for model input 'x'.*not all integers"):
        model.transform(pd.DataFrame({"v": [1.0, 2.5]}))
    with pytest.raises(ColumnTypeError, match=r"column 'v'.*missing values"):
        model.transform(pd.DataFrame({"v": pd.array([1, None], dtype="Int64")}))
    out = model.transform(pd.DataFrame({"v": pd.array([1, 5], dtype="Int64")}))
    assert_array_equal(out["y"].to_numpy(), [2, 10])


def test_missing_column(image_bytes, images):
    model = ONNXModel(model_payload=image_bytes, feed_dict={"image": "pixels"})
    with pytest.raises(MissingColumnError) as info:
        model.transform(pd.DataFrame({"image": list(images)}))
    message = str(info.value)
    assert "column 'pixels'" in message and "model input 'image'" in message and "['image']" in message
    assert isinstance(info.value, ValueError) and isinstance(info.value, KeyError)
    with pytest.raises(MissingColumnError, match="'pixels'"):
        model.output_fields({"image": np.dtype(object)})


def test_column_of_the_wrong_shape(image_bytes):
    model = ONNXModel(model_payload=image_bytes)
    bad = pd.DataFrame({"image": [np.zeros((3, 5, 4), np.float32)] * 2})
    expected = r"column 'image'.*\(3, 4, 4\).*model input 'image'.*got per-row arrays of shape \(3, 5, 4\)"
    with pytest.raises(ColumnError, match=expected):
        model.transform(bad)
    with pytest.raises(ColumnError, match=r"column 'image'.*got scalars"):
        model.transform(pd.DataFrame({"image": [1.0, 2.0]}))
    ragged = pd.DataFrame({"image": [np.zeros(48), np.zeros(47)]})
    with pytest.raises(ColumnError, match=r"column 'image'.*rows of one shape.*\(47,\)"):
        model.transform(ragged)


def test_non_numeric_column_for_a_float_input(image_bytes, tabular):
    models, x = tabular
    model = ONNXModel(model_payload=models["logreg"], feed_dict={"X": ["a", "b", "c", "d"]})
    df = pd.DataFrame({"a": x[:, 0], "b": ["x"] * len(x), "c": x[:, 2], "d": x[:, 3]})
    with pytest.raises(ColumnTypeError) as info:
        model.transform(df)
    assert "column 'b'" in str(info.value) and "float32 for model input 'X'" in str(info.value)
    assert "'x'" in str(info.value)
    with pytest.raises(ColumnTypeError, match="column 'b'"):
        model.output_fields({c: df[c].dtype for c in df.columns})
    objects = pd.DataFrame({"image": [["a"] * 48] * 2})
    with pytest.raises(ColumnTypeError, match=r"column 'image'.*float32 for model input 'image'.*'a'"):
        ONNXModel(model_payload=image_bytes).transform(objects)


def test_output_column_clash_and_unknown_fetch(image_bytes, images):
    df = pd.DataFrame({"image": list(images), "logits": 0})
    with pytest.raises(ValueError, match=r"output columns \['logits'\] already exist"):
        ONNXModel(model_payload=image_bytes).transform(df)
    with pytest.raises(ValueError, match=r"fetch_dict names \['nope'\]"):
        ONNXModel(model_payload=image_bytes, fetch_dict={"a": "nope"}).transform(df)
    with pytest.raises(ValueError, match=r"feed_dict names \['img'\]"):
        ONNXModel(model_payload=image_bytes, feed_dict={"img": "image"}).transform(df)


# -- parameters, session reuse, progress ----------------------------------------------------------------
def test_sources_and_params_round_trip(image_bytes, images, tmp_path):
    path = tmp_path / "image.onnx"
    path.write_bytes(image_bytes)
    with pytest.raises(ValueError, match="exactly one model source"):
        ONNXModel(model_location=str(path), model_payload=image_bytes)
    with pytest.raises(ValueError, match="has no model"):
        ONNXModel().transform(pd.DataFrame({"image": list(images)}))
    options = refrt.SessionOptions()
    options.add_session_config_entry("session.refrt.warm_up", "0")
    model = (ONNXModel().set_model_location(path).set_mini_batch_size(4).set_fetch_dict({"l": "logits"})
             .set_softmax_dict({"l": "p"}).set_sess_options(options).set_optimization_level("BASIC_OPT"))
    params = model.to_params()
    assert params["model_location"] == str(path) and params["mini_batch_size"] == 4
    again = ONNXModel.from_params(json.loads(json.dumps(params)))
    assert again.to_params() == params
    assert again.get_sess_options().get_session_config_entry("session.refrt.warm_up") == "0"
    df = pd.DataFrame({"image": list(images)})
    a, b = model.transform(df), pickle.loads(pickle.dumps(again)).transform(df)
    assert_array_equal(np.stack(a["p"].to_list()), np.stack(b["p"].to_list()))
    model.set_model_payload(image_bytes)  # a new source replaces the old one
    assert model.get_model_location() is None and model.model_bytes() == image_bytes
    with pytest.raises(TypeError, match="no parameter"):
        model.set_params(batch=3)


def test_one_session_reused_across_transforms_and_threads(image_bytes, images):
    model = ONNXModel(model_payload=image_bytes, mini_batch_size=3)
    df = pd.DataFrame({"image": list(images)})
    results, sessions = [], []

    def work():
        results.append(model.transform(df))
        sessions.append(model.session)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(s) for s in sessions}) == 1
    first = np.stack(results[0]["logits"].to_list())
    for r in results[1:]:
        assert_array_equal(np.stack(r["logits"].to_list()), first)
    model.set_mini_batch_size(5)
    assert model.session is sessions[0]  # batch size does not touch the session
    model.set_optimization_level("NO_OPT")
    assert model.session is not sessions[0]


def test_device_type_cuda_falls_back_with_a_warning(image_bytes, images):
    if "CUDAExecutionProvider" in refrt.get_available_providers():
        pytest.skip("CUDA is available here: nothing falls back")
    model = ONNXModel(model_payload=image_bytes, device_type="cuda")
    with pytest.warns(UserWarning, match="CUDAExecutionProvider"):
        assert model.session.get_providers() == ["CPUExecutionProvider"]
    with pytest.raises(ValueError, match="not both"):
        ONNXModel(model_payload=image_bytes, device_type="CPU", providers=["CPUExecutionProvider"])
    with pytest.raises(ValueError, match="device_type must be one of"):
        ONNXModel(model_payload=image_bytes, device_type="TPU")


def test_progress_bar(image_bytes, images, capsys):
    df = pd.DataFrame({"image": list(images)})
    ONNXModel(model_payload=image_bytes, mini_batch_size=2, progress=True).transform(df)
    assert "7/7" in capsys.readouterr().err
    ONNXModel(model_payload=image_bytes, mini_batch_size=2, progress=False).transform(df)
    ONNXModel(model_payload=image_bytes, mini_batch_size=2).transform(df)  # stderr is not a TTY here
    assert capsys.readouterr().err == ""


def test_output_fields_checks_the_input_schema(tabular):
    models, _ = tabular
    model = ONNXModel(model_payload=models["forest"], softmax_dict={"output_probability": "p"},
                      argmax_dict={"output_probability": "best"})
    fields = model.output_fields({"X": np.dtype(object)})
    assert fields == [("output_label", "scalar", ("int64",)), ("output_probability", "map", ("int64", "float32")),
                      ("p", "array", ("float32", (None,))), ("best", "scalar", ("int64",))]
    with pytest.raises(ValueError, match=r"output columns \['p'\] already exist"):
        model.output_fields({"X": np.dtype(object), "p": np.dtype(float)})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.output_fields()


def test_hub_model_from_a_local_repository(image_bytes, images, tmp_path, monkeypatch):
    import hashlib

    from refrt import hub

    folder = tmp_path / "zoo"
    (folder / "vision").mkdir(parents=True)
    (folder / "vision" / "image-17.onnx").write_bytes(image_bytes)
    meta = {"model_sha": hashlib.sha256(image_bytes).hexdigest(), "model_bytes": len(image_bytes), "tags": [],
            "io_ports": {"inputs": [], "outputs": []}}
    (folder / hub.MANIFEST).write_text(json.dumps([{"model": "Image", "model_path": "vision/image-17.onnx",
                                                     "onnx_version": "1.14", "opset_version": 17, "metadata": meta}]))
    monkeypatch.setenv("REFRT_HUB_TRUSTED", str(folder))
    monkeypatch.setattr(hub, "_trusted", set())
    hub.set_dir(tmp_path / "cache")
    try:
        model = ONNXModel(hub_model="image", hub_repo=str(folder), fetch_dict={"l": "logits"})
        out = model.transform(pd.DataFrame({"image": list(images)}))
        assert model.model_bytes() == image_bytes
    finally:
        hub.set_dir(None)
    want = refrt.InferenceSession(image_bytes).run(["logits"], {"image": images})[0]
    assert_array_equal(np.stack(out["l"].to_list()), want)


def test_string_labels_and_string_keyed_maps(tabular):
    from skl2onnx import to_onnx
    from sklearn.linear_model import LogisticRegression

    _, x = tabular
    y = np.where(x[:, 0] > 0, "yes", "no")
    model_bytes = to_onnx(LogisticRegression().fit(x, y), x[:1],
                          target_opset={"": 17, "ai.onnx.ml": 3}).SerializeToString()
    model = ONNXModel(model_payload=model_bytes, feed_dict={"X": "features"}, mini_batch_size=7,
                      argmax_dict={"output_probability": "best"})
    out = model.transform(pd.DataFrame({"features": list(x)}))
    label, prob = ort_run(model_bytes, {"X": x})
    assert out["output_label"].to_list() == label.tolist()
    assert out["best"].to_list() == [max(d, key=d.get) for d in prob]
    assert model.output_fields() == [("output_label", "string", ()), ("output_probability", "map", ("str", "float32")),
                                     ("best", "string", ())]
