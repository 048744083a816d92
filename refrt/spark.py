"""ONNX batch inference on Spark DataFrames: ``refrt.spark.ONNXModel``, a ``pyspark.ml`` Transformer.

    from refrt.spark import ONNXModel
    model = (ONNXModel().setModelLocation("forest.onnx")
             .setFeedDict({"float_input": "features"})
             .setFetchDict({"probability": "probabilities", "prediction": "label"}))
    scored = model.transform(df)          # lazy, like every Spark transform
    model.write().overwrite().save(path)  # Spark ML persistence; ONNXModel.load(path) reads it back

The Params are SynapseML's ONNXModel Params (modelLocation, modelPayload, feedDict, fetchDict,
softMaxDict, argMaxDict, miniBatchSize, deviceType, optimizationLevel) plus refrt's own (hubModel,
hubRepo, providers), with camelCase getters and setters. The work per row is
:class:`refrt.dataframe.ONNXModel`'s: this module only moves data to it and back.

How it runs: the driver resolves the model bytes once (payload, file or hub) and broadcasts them;
``mapInPandas`` hands each executor Python worker an iterator of Arrow batches; the worker builds
one pandas ``ONNXModel`` (one ``InferenceSession``) per model and parameters, keeps it in a
module-level cache, and reuses it for every batch, partition and task that worker runs (Spark
reuses Python workers by default, ``spark.python.worker.reuse``). The output schema comes from the
pandas model's ``output_fields``: scalars, ``ArrayType`` (nested for multi-dimensional rows),
``MapType`` for ZipMap dictionaries, strings.

Spark is an optional extra: ``pip install 'refrt[spark]'``. refrt must be importable on the
executors (installed there, or shipped with ``--py-files``). Spark Connect sessions are not
supported (broadcasts and accumulators need a classic SparkContext).
"""

from __future__ import annotations

import collections
import hashlib
import json
import os
import threading
from typing import Any, Iterator

try:
    import pyspark  # noqa: F401
    from pyspark import AccumulatorParam
    from pyspark.ml import Transformer
    from pyspark.ml.param import Param, Params, TypeConverters
    from pyspark.ml.util import DefaultParamsReader, DefaultParamsWriter, MLReadable, MLReader, MLWritable, MLWriter
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql import types as T
except ImportError as exc:  # pragma: no cover - exercised only where pyspark is missing
    raise ImportError(
        f"refrt.spark needs PySpark, pandas and pyarrow ({exc}): install the extra with "
        "pip install 'refrt[spark]'"
    ) from exc

import numpy as np

__all__ = ["ONNXModel", "spark_type"]

# Worker side: (model digest, parameters) -> pandas ONNXModel; a few models at most per worker.
_WORKER_CACHE_SIZE = 4
_worker_models: collections.OrderedDict[tuple, Any] = collections.OrderedDict()
_worker_lock = threading.Lock()


# -- Params ---------------------------------------------------------------------------------------
def _to_str_dict(value: Any) -> dict:
    """feedDict/fetchDict/softMaxDict/argMaxDict: a dict of str to str (feedDict may map to a list)."""
    if not isinstance(value, dict):
        raise TypeError(f"expected a dict of column/model names, got {type(value).__name__}: {value!r}")
    out = {}
    for k, v in value.items():
        if not isinstance(k, str):
            raise TypeError(f"dict keys must be strings, got {k!r}")
        if isinstance(v, (list, tuple)) and all(isinstance(x, str) for x in v):
            out[k] = list(v)
        elif isinstance(v, str):
            out[k] = v
        else:
            raise TypeError(f"dict value for {k!r} must be a string (or a list of column names), got {v!r}")
    return out


def _to_bytes(value: Any) -> bytes:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise TypeError(f"modelPayload must be the model's bytes, got {type(value).__name__}")


_OPT_LEVELS = ("NO_OPT", "BASIC_OPT", "EXTENDED_OPT", "ALL_OPT")
_DEVICE_TYPES = ("CPU", "CUDA")


def _to_opt_level(value: Any) -> str:
    level = TypeConverters.toString(value).upper()
    if level not in _OPT_LEVELS:
        raise ValueError(f"optimizationLevel must be one of {list(_OPT_LEVELS)}, got {value!r}")
    return level


def _to_device_type(value: Any) -> str:
    device = TypeConverters.toString(value).upper()
    if device not in _DEVICE_TYPES:
        raise ValueError(f"deviceType must be one of {list(_DEVICE_TYPES)}, got {value!r}")
    return device


def _to_batch_size(value: Any) -> int:
    size = TypeConverters.toInt(value)
    if size <= 0:
        raise ValueError(f"miniBatchSize must be a positive number of rows, got {value!r}")
    return size


class _ONNXModelParams(Params):
    """The Params, named as SynapseML's ONNXModel names them (plus hubModel, hubRepo, providers)."""

    modelLocation = Param(Params._dummy(), "modelLocation", "path of the ONNX model file, read on the driver",
                          typeConverter=TypeConverters.toString)
    modelPayload = Param(Params._dummy(), "modelPayload", "the ONNX model's bytes (saved beside the params)",
                         typeConverter=_to_bytes)
    hubModel = Param(Params._dummy(), "hubModel", "a refrt.hub model name, loaded on the driver",
                     typeConverter=TypeConverters.toString)
    hubRepo = Param(Params._dummy(), "hubRepo", "the refrt.hub repository of hubModel (default: the hub's)",
                    typeConverter=TypeConverters.toString)
    feedDict = Param(Params._dummy(), "feedDict", "model input name -> column name (or list of columns); "
                     "default: each model input from the column of its name", typeConverter=_to_str_dict)
    fetchDict = Param(Params._dummy(), "fetchDict", "output column -> model output or intermediate value name; "
                      "default: every model output into a column of its name", typeConverter=_to_str_dict)
    softMaxDict = Param(Params._dummy(), "softMaxDict", "fetched column -> new column of its softmax (per row)",
                        typeConverter=_to_str_dict)
    argMaxDict = Param(Params._dummy(), "argMaxDict", "fetched (or softmax) column -> new column of its argmax",
                       typeConverter=_to_str_dict)
    miniBatchSize = Param(Params._dummy(), "miniBatchSize", "rows fed to the session at once",
                          typeConverter=_to_batch_size)
    providers = Param(Params._dummy(), "providers", "execution providers in order of preference",
                      typeConverter=TypeConverters.toListString)
    deviceType = Param(Params._dummy(), "deviceType", "CPU or CUDA (CUDA falls back to CPU with a warning)",
                       typeConverter=_to_device_type)
    optimizationLevel = Param(Params._dummy(), "optimizationLevel", "NO_OPT, BASIC_OPT, EXTENDED_OPT or ALL_OPT",
                              typeConverter=_to_opt_level)

    def __init__(self) -> None:
        super().__init__()
        self._setDefault(miniBatchSize=5000, optimizationLevel="ALL_OPT")

    def _get(self, param: Param) -> Any:
        return self.getOrDefault(param) if self.isDefined(param) else None

    # setters return self, as Spark ML's do; setModelLocation keeps the path (read at transform time)
    def setModelLocation(self, value: str) -> "ONNXModel":
        return self._set(modelLocation=value)

    def setModelPayload(self, value: bytes) -> "ONNXModel":
        return self._set(modelPayload=value)

    def setHubModel(self, value: str) -> "ONNXModel":
        return self._set(hubModel=value)

    def setHubRepo(self, value: str) -> "ONNXModel":
        return self._set(hubRepo=value)

    def setFeedDict(self, value: dict) -> "ONNXModel":
        return self._set(feedDict=value)

    def setFetchDict(self, value: dict) -> "ONNXModel":
        return self._set(fetchDict=value)

    def setSoftMaxDict(self, value: dict) -> "ONNXModel":
        return self._set(softMaxDict=value)

    def setArgMaxDict(self, value: dict) -> "ONNXModel":
        return self._set(argMaxDict=value)

    def setMiniBatchSize(self, value: int) -> "ONNXModel":
        return self._set(miniBatchSize=value)

    def setProviders(self, value: list) -> "ONNXModel":
        return self._set(providers=value)

    def setDeviceType(self, value: str) -> "ONNXModel":
        return self._set(deviceType=value)

    def setOptimizationLevel(self, value: str) -> "ONNXModel":
        return self._set(optimizationLevel=value)

    def getModelLocation(self) -> str | None:
        return self._get(self.modelLocation)

    def getModelPayload(self) -> bytes | None:
        return self._get(self.modelPayload)

    def getHubModel(self) -> str | None:
        return self._get(self.hubModel)

    def getHubRepo(self) -> str | None:
        return self._get(self.hubRepo)

    def getFeedDict(self) -> dict | None:
        return self._get(self.feedDict)

    def getFetchDict(self) -> dict | None:
        return self._get(self.fetchDict)

    def getSoftMaxDict(self) -> dict | None:
        return self._get(self.softMaxDict)

    def getArgMaxDict(self) -> dict | None:
        return self._get(self.argMaxDict)

    def getMiniBatchSize(self) -> int:
        return self.getOrDefault(self.miniBatchSize)

    def getProviders(self) -> list | None:
        return self._get(self.providers)

    def getDeviceType(self) -> str | None:
        return self._get(self.deviceType)

    def getOptimizationLevel(self) -> str:
        return self.getOrDefault(self.optimizationLevel)


# -- Spark types ----------------------------------------------------------------------------------
_SCALAR_TYPES = {
    "float32": T.FloatType(), "float64": T.DoubleType(), "float16": T.FloatType(),
    "int64": T.LongType(), "int32": T.IntegerType(), "int16": T.ShortType(), "int8": T.ByteType(),
    "uint8": T.ShortType(), "uint16": T.IntegerType(), "uint32": T.LongType(), "uint64": T.DecimalType(20, 0),
    "bool": T.BooleanType(), "object": T.StringType(), "str": T.StringType(),
}
_NUMPY_OF_SPARK = {
    T.FloatType: "float32", T.DoubleType: "float64", T.LongType: "int64", T.IntegerType: "int32",
    T.ShortType: "int16", T.ByteType: "int8", T.BooleanType: "bool", T.StringType: "object",
}


def _scalar_type(dtype: Any, column: str) -> T.DataType:
    name = str(dtype)
    if name.startswith("<U") or name.startswith("U") or name in ("string", "str"):
        return T.StringType()
    try:
        name = np.dtype(dtype).name if name not in _SCALAR_TYPES else name
    except TypeError:
        pass
    if name.startswith("str"):
        return T.StringType()
    if name not in _SCALAR_TYPES:
        raise TypeError(f"output column {column!r}: element type {dtype!r} has no Spark type here")
    return _SCALAR_TYPES[name]


def spark_type(column: str, kind: str, info: Any) -> T.DataType:
    """The Spark type of one ``output_fields`` entry: scalar, array (nested per row dimension), map, string."""
    if kind == "scalar":
        return _scalar_type(info if not isinstance(info, tuple) else info[0], column)
    if kind == "string":
        return T.StringType()
    if kind == "array":
        dtype, shape = info
        if shape is None:
            raise TypeError(f"output column {column!r}: the rank of its rows is unknown, so no Spark array type")
        out = _scalar_type(dtype, column)
        for _ in range(max(len(shape), 1)):
            out = T.ArrayType(out, containsNull=False)
        return out
    if kind == "map":
        key, value = info
        return T.MapType(_scalar_type(key, column), _scalar_type(value, column), valueContainsNull=False)
    raise TypeError(f"output column {column!r}: unknown output kind {kind!r}")


def _numpy_dtype_of(data_type: T.DataType) -> np.dtype:
    """The NumPy dtype of a Spark column's values (of its elements, for arrays); object when none fits."""
    while isinstance(data_type, T.ArrayType):
        data_type = data_type.elementType
    return np.dtype(_NUMPY_OF_SPARK.get(type(data_type), "object"))


def _nest(cell: Any, depth: int) -> Any:
    """A multi-dimensional row as lists down to 1-D arrays: Arrow takes only 1-D arrays as lists."""
    if depth <= 1 or cell is None:
        return cell
    return [_nest(sub, depth - 1) for sub in cell]


# -- statistics the workers send back ---------------------------------------------------------------
class _StatsParam(AccumulatorParam):
    """Merges {worker pid: [sessions built, batches, rows]} from the tasks."""

    def zero(self, value: dict) -> dict:
        return {}

    def addInPlace(self, value1: dict, value2: dict) -> dict:
        for pid, counts in value2.items():
            mine = value1.setdefault(pid, [0, 0, 0])
            for i, n in enumerate(counts):
                mine[i] += n
        return value1


# -- the worker side ------------------------------------------------------------------------------
def _worker_model(key: tuple, broadcast: Any, kwargs: dict, stats: Any) -> Any:
    """This worker's pandas ONNXModel for ``key``: built on first use, then reused by every task."""
    with _worker_lock:
        model = _worker_models.get(key)
        if model is not None:
            _worker_models.move_to_end(key)
            return model
        from refrt.dataframe import ONNXModel as PandasONNXModel

        model = PandasONNXModel(model_payload=broadcast.value, **kwargs)
        model.session  # built here, once: the statistics count sessions, and a bad model fails early
        _worker_models[key] = model
        while len(_worker_models) > _WORKER_CACHE_SIZE:
            _worker_models.popitem(last=False)
        if stats is not None:
            stats.add({os.getpid(): [1, 0, 0]})
        return model


def _run_partition(batches: Iterator, key: tuple, broadcast: Any, kwargs: dict, nested: dict, stats: Any) -> Iterator:
    """What ``mapInPandas`` runs: this partition's pandas batches through the worker's model."""
    pid = os.getpid()
    counts = [0, 0, 0]
    model = _worker_model(key, broadcast, kwargs, stats)

    def counted():
        for batch in batches:
            counts[1] += 1
            counts[2] += len(batch)
            yield batch

    try:
        for out in model.transform_batches(counted()):
            for column, depth in nested.items():
                out[column] = [_nest(cell, depth) for cell in out[column]]
            yield out
    finally:
        if stats is not None:
            stats.add({pid: counts})


# -- the Transformer ------------------------------------------------------------------------------
class ONNXModel(Transformer, _ONNXModelParams, MLReadable, MLWritable):
    """Runs an ONNX model on a Spark DataFrame with refrt, batch by batch on the executors.

    ``transform(df)`` returns ``df`` with the output columns added (an output column that is already a
    column of ``df`` is an error, as on pandas). Missing feed columns and columns of a type that cannot feed the
    model are reported when ``transform`` is called; row-level problems (a row of the wrong shape) are
    raised by the workers and reach the driver inside Spark's ``PythonException``, the column named.
    After an action, :meth:`workerStats` tells how many sessions each worker built and how many
    batches and rows it ran (a diagnostic: Spark may run a task twice).
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__()
        self._broadcast: tuple[tuple, Any] | None = None
        self._driver_model: tuple[tuple, Any] | None = None
        self._stats = None
        if kwargs:
            self._set(**kwargs)

    def copy(self, extra: dict | None = None) -> "ONNXModel":
        that = super().copy(extra)
        that._stats = None  # a copy shares the cached broadcast and driver model, not the statistics
        return that

    # -- resolving the model on the driver ------------------------------------------------------
    def _model_bytes(self) -> bytes:
        sources = [name for name, value in (("modelPayload", self.getModelPayload()),
                                            ("modelLocation", self.getModelLocation()),
                                            ("hubModel", self.getHubModel())) if value is not None]
        if len(sources) != 1:
            raise ValueError(
                "ONNXModel needs exactly one model source: setModelPayload, setModelLocation or setHubModel"
                + (f"; got {sources}" if sources else "; none is set")
            )
        if sources[0] == "modelPayload":
            return self.getModelPayload()
        if sources[0] == "modelLocation":
            path = self.getModelLocation()
            try:
                with open(path, "rb") as f:
                    return f.read()
            except OSError as exc:
                raise FileNotFoundError(f"modelLocation {path!r} cannot be read on the driver: {exc}") from exc
        from refrt import hub

        return hub.load(self.getHubModel(), repo=self.getHubRepo(), silent=True).SerializeToString()

    def _pandas_kwargs(self) -> dict:
        """The pandas ONNXModel's arguments, all but the model bytes (JSON-able: part of the cache key)."""
        return {
            "feed_dict": self.getFeedDict(), "fetch_dict": self.getFetchDict(),
            "softmax_dict": self.getSoftMaxDict(), "argmax_dict": self.getArgMaxDict(),
            "mini_batch_size": self.getMiniBatchSize(), "providers": self.getProviders(),
            "device_type": self.getDeviceType(), "optimization_level": self.getOptimizationLevel(),
            "progress": False,
        }

    def _prepared(self, spark: SparkSession) -> tuple[tuple, Any, Any, dict]:
        """(cache key, broadcast of the bytes, the driver's pandas model, its kwargs); cached while unchanged."""
        from refrt.dataframe import ONNXModel as PandasONNXModel

        payload = self._model_bytes()
        digest = hashlib.sha256(payload).hexdigest()
        kwargs = self._pandas_kwargs()
        key = (digest, json.dumps(kwargs, sort_keys=True))
        owner = (digest, spark.sparkContext.applicationId)  # a broadcast dies with its SparkContext
        if self._broadcast is None or self._broadcast[0] != owner:
            self._broadcast = (owner, spark.sparkContext.broadcast(payload))
        if self._driver_model is None or self._driver_model[0] != key:
            self._driver_model = (key, PandasONNXModel(model_payload=payload, **kwargs))
        return key, self._broadcast[1], self._driver_model[1], kwargs

    def _check_columns(self, schema: T.StructType, model: Any) -> None:
        """Feed columns of text (or dates, binary) for a numeric input: an error now, not on a worker."""
        from refrt.dataframe import ColumnTypeError

        present = {f.name: f.dataType for f in schema.fields}
        types = {a.name: a.type for a in model.session.get_inputs()}
        for name, cols in model.feed_columns().items():
            if types.get(name, "") in ("tensor(string)", None):
                continue
            for col in [cols] if isinstance(cols, str) else cols:
                element = present.get(col)
                while isinstance(element, T.ArrayType):
                    element = element.elementType
                if isinstance(element, (T.StringType, T.BinaryType, T.DateType, T.TimestampType)):
                    raise ColumnTypeError(col, f"numbers for model input '{name}' ({types[name]})",
                                          f"Spark type {present[col].simpleString()}")

    def transformSchema(self, schema: T.StructType) -> T.StructType:
        """The schema ``transform`` gives: the input's columns, then the output columns."""
        spark = SparkSession.active()
        _, _, model, _ = self._prepared(spark)
        return self._output_schema(schema, model)

    def _output_schema(self, schema: T.StructType, model: Any) -> T.StructType:
        columns = {f.name: _numpy_dtype_of(f.dataType) for f in schema.fields}
        fields = model.output_fields(columns)  # names a missing column or an output column already there
        self._check_columns(schema, model)
        outputs = [T.StructField(name, spark_type(name, kind, info), nullable=True) for name, kind, info in fields]
        return T.StructType(list(schema.fields) + outputs)

    def _transform(self, dataset: DataFrame) -> DataFrame:
        spark = dataset.sparkSession
        key, broadcast, model, kwargs = self._prepared(spark)
        schema = self._output_schema(dataset.schema, model)
        nested = {f.name: depth for f in schema.fields[len(dataset.schema.fields):]
                  if (depth := _array_depth(f.dataType)) > 1}
        stats = spark.sparkContext.accumulator({}, _StatsParam())
        self._stats = stats

        def run(batches: Iterator) -> Iterator:
            return _run_partition(batches, key, broadcast, kwargs, nested, stats)

        return dataset.mapInPandas(run, schema)

    def workerStats(self) -> dict[int, dict[str, int]]:
        """{worker pid: {"sessions": built, "batches": run, "rows": run}} over the actions on the last transform."""
        if self._stats is None:
            return {}
        return {pid: {"sessions": c[0], "batches": c[1], "rows": c[2]} for pid, c in self._stats.value.items()}

    # -- persistence ----------------------------------------------------------------------------
    @classmethod
    def read(cls) -> "_ONNXModelReader":
        return _ONNXModelReader(cls)

    def write(self) -> "_ONNXModelWriter":
        return _ONNXModelWriter(self)


def _array_depth(data_type: T.DataType) -> int:
    depth = 0
    while isinstance(data_type, T.ArrayType):
        depth, data_type = depth + 1, data_type.elementType
    return depth


class _ONNXModelWriter(MLWriter):
    """Params as Spark ML metadata JSON at ``path/metadata``; the model bytes as Parquet at ``path/model``."""

    def __init__(self, instance: ONNXModel):
        super().__init__()
        self.instance = instance

    def saveImpl(self, path: str) -> None:
        params = {p.name: v for p, v in self.instance._paramMap.items() if p.name != "modelPayload"}
        payload = self.instance.getModelPayload()
        DefaultParamsWriter.saveMetadata(self.instance, path, self.sparkSession, paramMap=params,
                                         extraMetadata={"hasModelPayload": payload is not None})
        if payload is not None:
            frame = self.sparkSession.createDataFrame([(bytearray(payload),)], "payload binary")
            frame.coalesce(1).write.parquet(os.path.join(path, "model"))


class _ONNXModelReader(MLReader):
    def __init__(self, cls: type):
        super().__init__()
        self.cls = cls

    def load(self, path: str) -> ONNXModel:
        metadata = DefaultParamsReader.loadMetadata(path, self.sparkSession)
        instance = self.cls()
        instance._resetUid(metadata["uid"])
        DefaultParamsReader.getAndSetParams(instance, metadata)
        if metadata.get("hasModelPayload"):
            row = self.sparkSession.read.parquet(os.path.join(path, "model")).first()
            instance.setModelPayload(bytes(row["payload"]))
        return instance
