"""refrt.spark.ONNXModel on a real local Spark (local[2]): results equal refrt.InferenceSession's.

One SparkSession for the module (local[2], no UI, two shuffle partitions), stopped at the end.
Skipped, with the reason, where PySpark, pandas/pyarrow or Java is missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import refrt

pytest.importorskip("pandas")
pytest.importorskip("pyarrow")
pytest.importorskip("pyspark", reason="refrt.spark needs PySpark: pip install 'refrt[spark]'")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip("Spark needs Java (java not on PATH, JAVA_HOME unset)", allow_module_level=True)

from pyspark.sql import SparkSession  # noqa: E402
from pyspark.sql import types as T  # noqa: E402

from refrt.spark import ONNXModel  # noqa: E402

IMAGE = (3, 8, 8)


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    warehouse = tmp_path_factory.mktemp("spark-warehouse")
    session = (
        SparkSession.builder.master("local[2]").appName("refrt-test-spark")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.sql.warehouse.dir", str(warehouse))
        .config("spark.driver.memory", "1g")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "16")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


# -- models ---------------------------------------------------------------------------------------
def image_model() -> onnx.ModelProto:
    """NCHW [N,3,8,8] -> Conv(2 filters, 3x3) -> Relu ("conv_relu") -> Flatten -> MatMul -> logits [N,4]."""
    rng = np.random.default_rng(0)
    w = rng.standard_normal((2, 3, 3, 3)).astype(np.float32)
    b = rng.standard_normal(2).astype(np.float32)
    m = rng.standard_normal((2 * 6 * 6, 4)).astype(np.float32)
    nodes = [
        helper.make_node("Conv", ["image", "w", "b"], ["conv"]),
        helper.make_node("Relu", ["conv"], ["conv_relu"]),
        helper.make_node("Flatten", ["conv_relu"], ["flat"], axis=1),
        helper.make_node("MatMul", ["flat", "m"], ["logits"]),
    ]
    graph = helper.make_graph(
        nodes, "image",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", *IMAGE])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 4])],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b"), numpy_helper.from_array(m, "m")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model


def forest_model():
    """A 3-class RandomForest on iris through skl2onnx, ZipMap on: output_label, output_probability."""
    skl2onnx = pytest.importorskip("skl2onnx")
    from sklearn.datasets import load_iris
    from sklearn.ensemble import RandomForestClassifier

    x, y = load_iris(return_X_y=True)
    x = x.astype(np.float32)
    est = RandomForestClassifier(n_estimators=10, max_depth=4, random_state=0).fit(x, y)
    model = skl2onnx.to_onnx(est, x[:1], target_opset={"": 17, "ai.onnx.ml": 3})
    model.ir_version = 8
    return model, x


def image_frame(spark, n: int = 24, partitions: int = 3):
    rng = np.random.default_rng(1)
    images = rng.standard_normal((n, *IMAGE)).astype(np.float32)
    schema = T.StructType([
        T.StructField("id", T.LongType()),
        T.StructField("pixels", T.ArrayType(T.ArrayType(T.ArrayType(T.FloatType())))),
    ])
    df = spark.createDataFrame([(i, images[i].tolist()) for i in range(n)], schema).repartition(partitions)
    return df, images


def forest_frame(spark, x, partitions: int = 3):
    schema = T.StructType([T.StructField("id", T.LongType()), T.StructField("features", T.ArrayType(T.FloatType()))])
    return spark.createDataFrame([(i, x[i].tolist()) for i in range(len(x))], schema).repartition(partitions)


def collect_sorted(df):
    return sorted(df.collect(), key=lambda r: r["id"])


# -- results equal InferenceSession's --------------------------------------------------------------
def test_image_model_matches_inference_session(spark):
    model = image_model()
    df, images = image_frame(spark)
    onnx_model = (ONNXModel().setModelPayload(model.SerializeToString())
                  .setFeedDict({"image": "pixels"})
                  .setFetchDict({"logits": "logits"})
                  .setArgMaxDict({"logits": "label"})
                  .setMiniBatchSize(5))
    out = onnx_model.transform(df)
    assert out.schema["logits"].dataType == T.ArrayType(T.FloatType(), False)
    assert out.columns[:2] == ["id", "pixels"]
    rows = collect_sorted(out)
    assert [r["id"] for r in rows] == list(range(len(images)))
    got = np.array([r["logits"] for r in rows], dtype=np.float32)
    sess = refrt.InferenceSession(model.SerializeToString())
    expected = np.concatenate([sess.run(["logits"], {"image": images[i:i + 5]})[0] for i in range(0, len(images), 5)])
    # the partitions and Arrow batches split the rows elsewhere than the oracle; each row comes out the same
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal([r["label"] for r in rows], expected.argmax(axis=1))


def test_intermediate_fetch_is_nested_array_column(spark):
    model = image_model()
    df, images = image_frame(spark, n=10, partitions=2)
    out = (ONNXModel().setModelPayload(model.SerializeToString())
           .setFeedDict({"image": "pixels"})
           .setFetchDict({"features": "conv_relu"})
           .transform(df))
    assert out.schema["features"].dataType == T.ArrayType(T.ArrayType(T.ArrayType(T.FloatType(), False), False), False)
    assert "logits" not in out.columns
    rows = collect_sorted(out)
    got = np.array([r["features"] for r in rows], dtype=np.float32)
    assert got.shape == (10, 2, 6, 6)
    expected = refrt.InferenceSession(model.SerializeToString()).run(["conv_relu"], {"image": images})[0]
    np.testing.assert_array_equal(got, expected)
    assert (got >= 0).all() and (got > 0).any()


def test_tabular_zipmap_becomes_map_column(spark):
    model, x = forest_model()
    df = forest_frame(spark, x)
    onnx_model = (ONNXModel().setModelPayload(model.SerializeToString())
                  .setFeedDict({model.graph.input[0].name: "features"})
                  .setFetchDict({"prediction": "output_label", "probability": "output_probability"}))
    out = onnx_model.transform(df)
    assert onnx_model.transformSchema(df.schema) == out.schema
    assert out.schema["prediction"].dataType == T.LongType()
    assert out.schema["probability"].dataType == T.MapType(T.LongType(), T.FloatType(), False)
    rows = collect_sorted(out)
    sess = refrt.InferenceSession(model.SerializeToString())
    label, proba = sess.run(["output_label", "output_probability"], {model.graph.input[0].name: x})
    np.testing.assert_array_equal([r["prediction"] for r in rows], label)
    expected = [{int(k): float(np.float32(v)) for k, v in d.items()} for d in proba]
    assert [dict(r["probability"]) for r in rows] == expected
    assert {int(k) for k in rows[0]["probability"]} == {0, 1, 2}


# -- persistence --------------------------------------------------------------------------------------
def test_save_and_load_round_trip(spark, tmp_path):
    model, x = forest_model()
    name = model.graph.input[0].name
    df = forest_frame(spark, x[:30], partitions=2)
    original = (ONNXModel().setModelPayload(model.SerializeToString())
                .setFeedDict({name: "features"})
                .setFetchDict({"prediction": "output_label"})
                .setMiniBatchSize(7).setOptimizationLevel("basic_opt"))
    path = str(tmp_path / "onnx_model")
    original.write().overwrite().save(path)
    loaded = ONNXModel.load(path)
    assert loaded.uid == original.uid
    assert loaded.getModelPayload() == model.SerializeToString()
    assert loaded.getFeedDict() == {name: "features"}
    assert loaded.getFetchDict() == {"prediction": "output_label"}
    assert loaded.getMiniBatchSize() == 7 and loaded.getOptimizationLevel() == "BASIC_OPT"
    assert collect_sorted(loaded.transform(df)) == collect_sorted(original.transform(df))

    # a file-located model is saved as its location and read again at transform time
    file = tmp_path / "forest.onnx"
    file.write_bytes(model.SerializeToString())
    located = ONNXModel().setModelLocation(str(file)).setFeedDict({name: "features"})
    located.write().save(str(tmp_path / "located"))
    again = ONNXModel.load(str(tmp_path / "located"))
    assert again.getModelLocation() == str(file) and again.getModelPayload() is None
    assert again.getFetchDict() is None and again.getMiniBatchSize() == 5000
    labels = [r["output_label"] for r in collect_sorted(again.transform(df))]
    np.testing.assert_array_equal(labels, refrt.InferenceSession(str(file)).run(["output_label"], {name: x[:30]})[0])


# -- one session per worker ----------------------------------------------------------------------------
def test_one_session_per_worker_across_partitions_and_transforms(spark):
    model, x = forest_model()
    name = model.graph.input[0].name
    df = forest_frame(spark, x, partitions=8)
    onnx_model = (ONNXModel().setModelPayload(model.SerializeToString())
                  .setFeedDict({name: "features"}).setFetchDict({"prediction": "output_label"})
                  .setMiniBatchSize(4))
    first = onnx_model.transform(df)
    assert first.count() == len(x)
    assert first.select("prediction").collect()  # a second action on the same plan
    stats1 = onnx_model.workerStats()
    second = onnx_model.transform(df.repartition(6))
    assert len(second.collect()) == len(x)
    stats2 = onnx_model.workerStats()

    assert stats1 and stats2
    assert sum(s["rows"] for s in stats2.values()) == len(x)
    assert sum(s["batches"] for s in stats2.values()) >= 6
    for pid in set(stats1) | set(stats2):
        built = stats1.get(pid, {}).get("sessions", 0) + stats2.get(pid, {}).get("sessions", 0)
        assert built <= 1, f"worker {pid} built {built} sessions: {stats1} then {stats2}"
    # 8 + 6 partitions, three actions, Python workers reused: far fewer sessions than tasks
    assert sum(s["sessions"] for s in stats1.values()) + sum(s["sessions"] for s in stats2.values()) <= 4


# -- bad input ---------------------------------------------------------------------------------------
def test_missing_column_is_named_at_transform(spark):
    model, x = forest_model()
    df = forest_frame(spark, x[:5]).withColumnRenamed("features", "feats")
    onnx_model = (ONNXModel().setModelPayload(model.SerializeToString())
                  .setFeedDict({model.graph.input[0].name: "features"}))
    with pytest.raises(ValueError, match="'features'.*missing"):
        onnx_model.transform(df)


def test_wrong_shape_row_is_named_in_the_driver_exception(spark):
    model = image_model()
    schema = T.StructType([T.StructField("id", T.LongType()),
                           T.StructField("pixels", T.ArrayType(T.ArrayType(T.ArrayType(T.FloatType()))))])
    bad = np.zeros((3, 7, 8), np.float32).tolist()  # H of 7, the model wants 8
    df = spark.createDataFrame([(0, bad), (1, bad)], schema)
    onnx_model = ONNXModel().setModelPayload(model.SerializeToString()).setFeedDict({"image": "pixels"})
    with pytest.raises(Exception) as info:
        onnx_model.transform(df).collect()
    text = str(info.value)
    assert "'pixels'" in text and ("shape" in text.lower()), text[-2000:]


def test_string_column_for_a_float_input_is_named(spark):
    model, x = forest_model()
    schema = T.StructType([T.StructField("id", T.LongType()), T.StructField("features", T.ArrayType(T.StringType()))])
    df = spark.createDataFrame([(0, ["a", "b", "c", "d"]), (1, ["1", "2", "3", "4"])], schema)
    onnx_model = (ONNXModel().setModelPayload(model.SerializeToString())
                  .setFeedDict({model.graph.input[0].name: "features"}))
    with pytest.raises(Exception) as info:
        onnx_model.transform(df).collect()
    text = str(info.value)
    assert "'features'" in text and "float" in text.lower(), text[-2000:]


def test_param_validation_and_model_source():
    with pytest.raises(ValueError, match="optimizationLevel"):
        ONNXModel().setOptimizationLevel("FAST")
    with pytest.raises(ValueError, match="miniBatchSize"):
        ONNXModel().setMiniBatchSize(0)
    with pytest.raises(TypeError, match="dict"):
        ONNXModel().setFeedDict(["x"])
    assert ONNXModel().setDeviceType("cuda").getDeviceType() == "CUDA"
    with pytest.raises(ValueError, match="exactly one model source"):
        ONNXModel()._model_bytes()
    with pytest.raises(ValueError, match="exactly one model source"):
        ONNXModel().setModelPayload(b"x").setModelLocation("m.onnx")._model_bytes()


# -- the optional extra -------------------------------------------------------------------------------
def test_import_refrt_does_not_import_pyspark_and_missing_pyspark_is_explained():
    code = (
        "import sys, refrt\n"
        "assert 'pyspark' not in sys.modules, 'import refrt imported pyspark'\n"
        "sys.modules['pyspark'] = None\n"
        "try:\n"
        "    import refrt.spark\n"
        "except ImportError as e:\n"
        "    assert \"refrt[spark]\" in str(e), e\n"
        "else:\n"
        "    raise SystemExit('refrt.spark imported without pyspark')\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
