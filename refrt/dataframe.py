"""Batch inference on pandas DataFrames: ``refrt.ONNXModel``, SynapseML's ONNXModel in Python style.

    from refrt.dataframe import ONNXModel
    model = ONNXModel(model_location="rf.onnx", feed_dict={"float_input": ["f0", "f1", "f2"]},
                      fetch_dict={"label": "output_label", "probability": "output_probability"},
                      argmax_dict={"probability": "predicted"})
    scored = model.transform(df)              # df's columns and index, and the new columns

Parameters (SynapseML's name in brackets):

- ``model_location`` / ``model_payload`` / ``hub_model`` (+ ``hub_repo``): exactly one model source
  [modelLocation, modelPayload]; a hub model loads through :func:`refrt.hub.load`, whose trust rules hold.
- ``feed_dict`` {model input: column} [feedDict]. Default: every model input from the column of its own
  name. A list of columns feeds one ``[N, k]`` input from k scalar columns.
- ``fetch_dict`` {new column: model value} [fetchDict]. Default: every graph output into a column of its
  own name. Intermediate value names work: the session computes only what they need.
- ``softmax_dict`` / ``argmax_dict`` {source column: new column} [softMaxDict, argMaxDict]: as in
  SynapseML the key is the column read (a fetched column; for argmax also a softmax column) and the value
  the column made, per row along the last axis. A map column (ZipMap) is read in key order; its argmax is
  the key of the largest value.
- ``mini_batch_size`` (5000) [miniBatchSize]: rows fed to the session at once.
- ``providers``, or ``device_type`` "CPU"/"CUDA" [deviceType] (CUDA falls back to the CPU with a warning
  where it is not available); neither: the CPU provider.
- ``optimization_level`` NO_OPT/BASIC_OPT/EXTENDED_OPT/ALL_OPT [optimizationLevel] sets
  ``graph_optimization_level`` on (a copy of) ``sess_options``.
- ``progress``: None shows a bar (tqdm, else a plain one on stderr) when there are more than four
  batches and stderr is a terminal; True/False forces it.

Columns feed inputs this way: a column of lists or arrays per row is stacked into ``[N, *row shape]``; a
row shape that differs from the input's is reshaped when the input's per-row shape is fully known and
holds as many elements (a flat 3*H*W row into ``[N, 3, H, W]``). A scalar column feeds ``[N]`` or
``[N, 1]``. Values are cast to the input's element type when no information is lost (any integer or
float into a float input; floats into an integer input only when all are integral; integers into a
narrower integer only when they fit); anything else is a :class:`ColumnError` naming the column.

Outputs: a tensor ``[N]`` or ``[N, 1]`` becomes a scalar column; ``[N, ...]`` a column holding one
NumPy array per row; a sequence of maps (ZipMap) a column of dicts. :meth:`ONNXModel.output_fields` says
which, before any data is seen (the Spark side builds its schema from it).

The session is built once per ONNXModel, on first use, and is reused by every transform and batch (and
by several threads). An ONNXModel pickles without it.
"""

from __future__ import annotations

import copy
import enum
import math
import os
import sys
import threading
from typing import Any, Iterable, Iterator

import numpy as np
import onnx

from refrt import progress
from refrt.session import ExecutionMode, GraphOptimizationLevel, InferenceSession, SessionOptions
from refrt.types import np_dtype, shape_of

OPTIMIZATION_LEVELS = {
    "NO_OPT": GraphOptimizationLevel.ORT_DISABLE_ALL,
    "BASIC_OPT": GraphOptimizationLevel.ORT_ENABLE_BASIC,
    "EXTENDED_OPT": GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
    "ALL_OPT": GraphOptimizationLevel.ORT_ENABLE_ALL,
}
DEVICE_PROVIDERS = {
    "CPU": ["CPUExecutionProvider"],
    "CUDA": ["CUDAExecutionProvider", "CPUExecutionProvider"],
}
SOURCES = ("model_location", "model_payload", "hub_model")
# Parameters in constructor order; to_params/from_params and the set_<name> setters follow this list.
PARAMS = (
    "model_location", "model_payload", "hub_model", "hub_repo", "feed_dict", "fetch_dict", "softmax_dict",
    "argmax_dict", "mini_batch_size", "providers", "device_type", "optimization_level", "sess_options",
    "progress",
)
# Changing one of these changes the session: the cached one is dropped.
_SESSION_PARAMS = frozenset(
    {"model_location", "model_payload", "hub_model", "hub_repo", "providers", "device_type", "optimization_level",
     "sess_options"}
)
_SESS_OPTION_FIELDS = (
    "graph_optimization_level", "intra_op_num_threads", "inter_op_num_threads", "execution_mode",
    "enable_profiling", "profile_file_prefix", "optimized_model_filepath", "log_severity_level",
    "log_verbosity_level", "logid", "enable_cpu_mem_arena", "enable_mem_pattern", "enable_mem_reuse",
    "use_deterministic_compute",
)
_SESS_OPTION_ENUMS = {"graph_optimization_level": GraphOptimizationLevel, "execution_mode": ExecutionMode}
_PROGRESS_MIN_BATCHES = 5


class ColumnError(ValueError):
    """A column that cannot feed (or receive) a model value; ``column``, ``expected`` and ``got`` say why."""

    def __init__(self, column: str, expected: str, got: str, what: str = "") -> None:
        self.column, self.expected, self.got = column, expected, got
        super().__init__(f"column '{column}'{' ' + what if what else ''}: expected {expected}, got {got}")


class MissingColumnError(ColumnError, KeyError):
    """A column named by feed_dict (or a derived-column dict) that the frame does not have."""

    def __str__(self) -> str:  # KeyError would quote the message
        return ValueError.__str__(self)


class ColumnTypeError(ColumnError, TypeError):
    """A column whose values cannot be cast to the model input's element type without loss."""


class ONNXModel:
    """Runs an ONNX model on pandas DataFrames in batches; see the module docstring for the parameters."""

    def __init__(
        self,
        model_location: str | os.PathLike | None = None,
        model_payload: bytes | None = None,
        hub_model: str | None = None,
        hub_repo: str | None = None,
        feed_dict: dict[str, str | list[str]] | None = None,
        fetch_dict: dict[str, str] | None = None,
        softmax_dict: dict[str, str] | None = None,
        argmax_dict: dict[str, str] | None = None,
        mini_batch_size: int = 5000,
        providers: list | None = None,
        device_type: str | None = None,
        optimization_level: str = "ALL_OPT",
        sess_options: SessionOptions | None = None,
        progress: bool | None = None,
    ) -> None:
        given = [n for n, v in (("model_location", model_location), ("model_payload", model_payload),
                                ("hub_model", hub_model)) if v is not None]
        if len(given) > 1:
            raise ValueError(f"ONNXModel takes exactly one model source; got {given}")
        self._lock = threading.Lock()
        self._session: InferenceSession | None = None
        self._params: dict[str, Any] = {}
        self._set(
            model_location=model_location, model_payload=model_payload, hub_model=hub_model, hub_repo=hub_repo,
            feed_dict=feed_dict, fetch_dict=fetch_dict, softmax_dict=softmax_dict, argmax_dict=argmax_dict,
            mini_batch_size=mini_batch_size, providers=providers, device_type=device_type,
            optimization_level=optimization_level, sess_options=sess_options, progress=progress,
        )

    # -- parameters ------------------------------------------------------------------------------
    def _set(self, **values: Any) -> "ONNXModel":
        params = dict(self._params)
        for name, value in values.items():
            if name not in PARAMS:
                raise TypeError(f"ONNXModel has no parameter '{name}'; parameters: {list(PARAMS)}")
            params[name] = _validate(name, value)
        if params.get("providers") is not None and params.get("device_type") is not None:
            raise ValueError("give providers or device_type, not both")
        self._params = params  # all or nothing: a refused value leaves the model as it was
        if _SESSION_PARAMS.intersection(values):
            with self._lock:
                self._session = None
        return self

    def set_params(self, **values: Any) -> "ONNXModel":
        """Sets several parameters at once; returns self. A model source given replaces the others."""
        sources = [n for n in SOURCES if values.get(n) is not None]
        if len(sources) > 1:
            raise ValueError(f"ONNXModel takes exactly one model source; got {sources}")
        if sources:
            values = {**{n: None for n in SOURCES}, **values}
        return self._set(**values)

    def get_params(self) -> dict[str, Any]:
        """The parameters as set (dicts and lists copied)."""
        return {n: copy.copy(self._params[n]) for n in PARAMS}

    def to_params(self) -> dict[str, Any]:
        """The parameters as a JSON-able dict (``model_payload`` stays bytes; ``sess_options`` becomes a
        dict of its fields and config entries); :meth:`from_params` makes the same model again."""
        out = self.get_params()
        if out["model_location"] is not None:
            out["model_location"] = os.fspath(out["model_location"])
        options = out["sess_options"]
        if options is not None:
            fields = {f: getattr(options, f) for f in _SESS_OPTION_FIELDS}
            fields = {f: int(v) if isinstance(v, enum.IntEnum) else v for f, v in fields.items()}
            out["sess_options"] = {"fields": fields, "config": dict(options._config),
                                   "free_dims": dict(options._free_dims)}
        return out

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> "ONNXModel":
        """The model that :meth:`to_params` described (unknown keys are an error)."""
        params = dict(params)
        options = params.get("sess_options")
        if isinstance(options, dict):
            built = SessionOptions()
            for f, v in options.get("fields", {}).items():
                enum_type = _SESS_OPTION_ENUMS.get(f)
                setattr(built, f, enum_type(v) if enum_type is not None else v)
            for k, v in options.get("config", {}).items():
                built.add_session_config_entry(k, v)
            for k, v in options.get("free_dims", {}).items():
                built.add_free_dimension_override_by_name(k, v)
            params["sess_options"] = built
        return cls(**params)

    def __getstate__(self) -> dict:
        return {"_params": self._params}

    def __setstate__(self, state: dict) -> None:
        self._params = state["_params"]
        self._lock = threading.Lock()
        self._session = None

    def __repr__(self) -> str:
        source = next((f"{n}={self._params[n]!r}" for n in ("model_location", "hub_model") if self._params[n]), None)
        if source is None and self._params["model_payload"] is not None:
            source = f"model_payload=<{len(self._params['model_payload'])} bytes>"
        return f"ONNXModel({source or 'no model'}, mini_batch_size={self._params['mini_batch_size']})"

    # -- the model and its session ---------------------------------------------------------------
    def model_bytes(self) -> bytes:
        """The serialized model, from whichever source is set (what the Spark side broadcasts)."""
        p = self._params
        if p["model_payload"] is not None:
            return bytes(p["model_payload"])
        if p["model_location"] is not None:
            with open(p["model_location"], "rb") as f:
                return f.read()
        if p["hub_model"] is not None:
            from refrt import hub

            return hub.load(p["hub_model"], repo=p["hub_repo"], silent=True).SerializeToString()
        raise ValueError("ONNXModel has no model: set model_location, model_payload or hub_model")

    @property
    def session(self) -> InferenceSession:
        """The one session of this model, built on first use (thread-safe)."""
        session = self._session
        if session is not None:
            return session
        with self._lock:
            if self._session is None:
                self._session = self._build_session()
            return self._session

    def _build_session(self) -> InferenceSession:
        p = self._params
        options = copy.copy(p["sess_options"]) if p["sess_options"] is not None else SessionOptions()
        if p["sess_options"] is not None:
            options._config = dict(options._config)
            options._free_dims = dict(options._free_dims)
        options.graph_optimization_level = OPTIMIZATION_LEVELS[p["optimization_level"]]
        providers = p["providers"]
        if providers is None and p["device_type"] is not None:
            providers = DEVICE_PROVIDERS[p["device_type"]]
        source = p["model_location"] if p["model_location"] is not None else self.model_bytes()
        return InferenceSession(source, sess_options=options, providers=providers)

    def feed_columns(self) -> dict[str, str | list[str]]:
        """{model input: column or columns}: feed_dict, or each input from the column of its name."""
        feed = self._params["feed_dict"]
        inputs = [a.name for a in self.session.get_inputs()]
        if feed is None:
            return {n: n for n in inputs}
        unknown = [n for n in feed if n not in inputs]
        if unknown:
            raise ValueError(f"feed_dict names {unknown}, which are not inputs of the model; inputs: {inputs}")
        required = self.session._required
        missing = [n for n in required if n not in feed]
        if missing:
            raise ValueError(f"feed_dict gives no column for the model inputs {missing}; it maps {feed}")
        return dict(feed)

    def fetch_columns(self) -> dict[str, str]:
        """{new column: model value}: fetch_dict, or every graph output into a column of its name."""
        fetch = self._params["fetch_dict"]
        outputs = [o.name for o in self.session.get_outputs()]
        if fetch is None:
            return {n: n for n in outputs}
        known = set(outputs) | set(self.session.value_names())
        unknown = sorted({v for v in fetch.values() if v not in known})
        if unknown:
            raise ValueError(
                f"fetch_dict names {unknown}, which the model does not compute; outputs: {outputs} "
                "(any intermediate value name works too, see InferenceSession.value_names)"
            )
        return dict(fetch)

    # -- the schema the Spark side needs ---------------------------------------------------------
    def output_fields(self, input_columns: dict[str, Any] | None = None) -> list[tuple[str, str, tuple]]:
        """(column, kind, element info) for each new column in order: the fetches, then the softmax
        columns, then the argmax ones. Kinds: ``"scalar"`` (dtype,), ``"array"`` (dtype, per-row shape
        with None for unknown dims; the shape itself is None when the rank is unknown), ``"map"`` (key
        dtype, value dtype) and ``"string"`` (). Dtypes are NumPy names; ``"str"`` for strings.

        ``input_columns`` ({column: dtype}), when given, is checked against the feeds first: a missing
        column and a non-numeric dtype for a numeric input are errors here, before any data is read."""
        if input_columns is not None:
            self._check_input_columns(input_columns)
        fields = [(col, *_kind_of(self._value_type(name), col, name)) for col, name in self.fetch_columns().items()]
        if input_columns is not None:
            clash = [c for c, _, _ in fields if c in input_columns]
            clash += [c for c in (*self._softmax().values(), *self._argmax().values()) if c in input_columns]
            if clash:
                raise ValueError(f"output columns {clash} already exist in the input")
        known = {c: (k, info) for c, k, info in fields}
        for src, dst in self._softmax().items():
            kind, info = _source(known, src, dst, "softmax_dict", allow=("array", "map"))
            dtype = info[1] if kind == "map" else info[0]
            dtype = dtype if np.dtype(dtype).kind == "f" else "float64"
            shape = (None,) if kind == "map" else info[1]
            fields.append((dst, "array", (dtype, shape)))
            known[dst] = ("array", (dtype, shape))
        for src, dst in self._argmax().items():
            kind, info = _source(known, src, dst, "argmax_dict", allow=("array", "map"))
            if kind == "map":
                fields.append((dst, "string", ()) if info[0] == "str" else (dst, "scalar", (info[0],)))
            elif info[1] is None or len(info[1]) > 1:
                fields.append((dst, "array", ("int64", None if info[1] is None else info[1][:-1])))
            else:
                fields.append((dst, "scalar", ("int64",)))
        return fields

    def _softmax(self) -> dict[str, str]:
        return dict(self._params["softmax_dict"] or {})

    def _argmax(self) -> dict[str, str]:
        return dict(self._params["argmax_dict"] or {})

    def _value_type(self, name: str) -> onnx.TypeProto | None:
        session = self.session
        for arg, vi in zip(session.get_outputs(), session._graph.outputs):
            if arg.name == name:
                if vi.type.WhichOneof("value") is not None:
                    return vi.type
                return session._graph.value_info.get(name)
        tp = session._graph.value_info.get(name)
        if tp is None:
            tp = next((vi.type for vi in session._graph.inputs if vi.name == name), None)
        return tp

    def _check_input_columns(self, columns: dict[str, Any]) -> None:
        specs = self.session._input_specs
        for name, cols in self.feed_columns().items():
            dtype = specs[name].dtype
            for col in [cols] if isinstance(cols, str) else cols:
                if col not in columns:
                    raise MissingColumnError(col, f"a column for model input '{name}'", f"columns {list(columns)}",
                                             "is missing")
                if dtype is None or dtype.kind not in "fiub":
                    continue
                given = columns[col]
                text = _is_string_dtype(given)
                if text or _numpy_dtype(given).kind in "USMm":
                    raise ColumnTypeError(col, f"numbers for model input '{name}' ({dtype.name})",
                                          f"{'strings' if text else 'values'} of dtype {given}")

    # -- running ---------------------------------------------------------------------------------
    def transform(self, df):
        """A new DataFrame: ``df``'s columns and index, and the output columns."""
        plan = self._plan(list(df.columns))
        n = len(df)
        size = self._params["mini_batch_size"]
        batches = math.ceil(n / size)
        with _progress(self._params["progress"], batches) as bar:
            parts = []
            for start in range(0, n, size):
                parts.append(self._run_batch(plan, df.iloc[start:start + size]))
                bar.update(1)
        return _assemble(df, plan, parts)

    def transform_batches(self, frames: Iterable) -> Iterator:
        """Each frame transformed (its columns and the output columns), in order; what Spark's
        ``mapInPandas`` calls. The same results as :meth:`transform` on their concatenation."""
        plan = None
        size = self._params["mini_batch_size"]
        for df in frames:
            if plan is None:
                plan = self._plan(list(df.columns))
            parts = [self._run_batch(plan, df.iloc[s:s + size]) for s in range(0, len(df), size)]
            yield _assemble(df, plan, parts)

    def _plan(self, columns: list[str]) -> "_Plan":
        fields = self.output_fields()
        feeds = self.feed_columns()
        for name, cols in feeds.items():
            for col in [cols] if isinstance(cols, str) else cols:
                if col not in columns:
                    raise MissingColumnError(col, f"a column for model input '{name}'", f"columns {columns}",
                                             "is missing")
        clash = [c for c, _, _ in fields if c in columns]
        if clash:
            raise ValueError(f"output columns {clash} already exist in the input; rename them in fetch_dict "
                             "(or softmax_dict/argmax_dict)")
        return _Plan(feeds, self.fetch_columns(), fields, self._softmax(), self._argmax())

    def _run_batch(self, plan: "_Plan", batch) -> dict[str, Any]:
        """{column: per-batch value}: arrays of N, or lists of N per-row values."""
        session = self.session
        specs = session._input_specs
        feeds = {name: _feed(batch, cols, name, specs[name]) for name, cols in plan.feeds.items()}
        names = list(dict.fromkeys(plan.fetch.values()))
        values = dict(zip(names, session.run(names, feeds)))
        n = len(batch)
        out: dict[str, Any] = {}
        for col, kind, info in plan.fields[:len(plan.fetch)]:
            out[col] = _rows(values[plan.fetch[col]], n, col, plan.fetch[col], kind)
        for src, dst in plan.softmax.items():
            out[dst] = _softmax_rows(out[src])
        for src, dst in plan.argmax.items():
            out[dst] = _argmax_rows(out[src])
        return out


def _accessors(param: str) -> tuple:
    def setter(self: ONNXModel, value: Any) -> ONNXModel:
        return self.set_params(**{param: value})

    def getter(self: ONNXModel) -> Any:
        return copy.copy(self._params[param])

    setter.__name__, getter.__name__ = f"set_{param}", f"get_{param}"
    also = " (and drops the other model sources)" if param in SOURCES else ""
    setter.__doc__ = f"Sets {param}; returns self{also}."
    getter.__doc__ = f"{param} as set."
    return setter, getter


for _param in PARAMS:  # set_<param>(value) -> self and get_<param>() for every parameter
    _setter, _getter = _accessors(_param)
    setattr(ONNXModel, _setter.__name__, _setter)
    setattr(ONNXModel, _getter.__name__, _getter)


class _Plan:
    def __init__(self, feeds, fetch, fields, softmax, argmax) -> None:
        self.feeds, self.fetch, self.fields, self.softmax, self.argmax = feeds, fetch, fields, softmax, argmax


# -- parameters ----------------------------------------------------------------------------------
def _validate(name: str, value: Any) -> Any:
    if value is None:
        if name in ("mini_batch_size", "optimization_level"):
            raise ValueError(f"{name} cannot be None")
        return None
    if name == "mini_batch_size":
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"mini_batch_size must be an integer >= 1, got {value!r}")
        return int(value)
    if name == "optimization_level":
        if isinstance(value, GraphOptimizationLevel):
            value = {v: k for k, v in OPTIMIZATION_LEVELS.items()}[value]
        level = str(value).upper()
        if level not in OPTIMIZATION_LEVELS:
            raise ValueError(f"optimization_level must be one of {list(OPTIMIZATION_LEVELS)}, got {value!r}")
        return level
    if name == "device_type":
        device = str(value).upper()
        if device not in DEVICE_PROVIDERS:
            raise ValueError(f"device_type must be one of {list(DEVICE_PROVIDERS)}, got {value!r}")
        return device
    if name in ("feed_dict", "fetch_dict", "softmax_dict", "argmax_dict"):
        if not isinstance(value, dict):
            raise TypeError(f"{name} must be a dict, got {type(value).__name__}")
        for k, v in value.items():
            ok = isinstance(v, str) or (name == "feed_dict" and isinstance(v, (list, tuple)) and v
                                        and all(isinstance(c, str) for c in v))
            if not isinstance(k, str) or not ok:
                targets = "column names (or lists of them)" if name == "feed_dict" else "names"
                raise TypeError(f"{name} maps names to {targets}; got {k!r}: {v!r}")
        return {k: list(v) if isinstance(v, tuple) else v for k, v in value.items()}
    if name == "model_payload":
        if not isinstance(value, (bytes, bytearray, memoryview)):
            raise TypeError(f"model_payload must be bytes, got {type(value).__name__}")
        return bytes(value)
    if name == "providers":
        return list(value)
    if name == "progress":
        return bool(value)
    if name == "sess_options" and not isinstance(value, SessionOptions):
        raise TypeError(f"sess_options must be a SessionOptions, got {type(value).__name__}")
    return value


# -- types ---------------------------------------------------------------------------------------
def _dtype_name(elem_type: int) -> str:
    return "str" if elem_type == onnx.TensorProto.STRING else np_dtype(elem_type).name


def _kind_of(tp: onnx.TypeProto | None, col: str, name: str) -> tuple[str, tuple]:
    """(kind, element info) of a batched model value fetched into column ``col``."""
    which = tp.WhichOneof("value") if tp is not None else None
    if which == "tensor_type":
        dtype = _dtype_name(tp.tensor_type.elem_type)
        shape = shape_of(tp)
        if shape is None:
            return "array", (dtype, None)
        if len(shape) == 0:
            raise ValueError(f"fetch_dict '{col}': model value '{name}' is a scalar, not one value per row")
        if len(shape) == 1 or (len(shape) == 2 and shape[1] == 1):
            return ("string", ()) if dtype == "str" else ("scalar", (dtype,))
        return "array", (dtype, tuple(d if isinstance(d, int) else None for d in shape[1:]))
    if which == "sequence_type":
        elem = tp.sequence_type.elem_type
        if elem.WhichOneof("value") == "map_type":
            mt = elem.map_type
            value = mt.value_type
            vtype = _dtype_name(value.tensor_type.elem_type) if value.WhichOneof("value") == "tensor_type" else "object"
            return "map", (_dtype_name(mt.key_type), vtype)
        if elem.WhichOneof("value") == "tensor_type":
            shape = shape_of(elem)
            return "array", (_dtype_name(elem.tensor_type.elem_type),
                             None if shape is None else tuple(d if isinstance(d, int) else None for d in shape))
    if which is None:
        return "array", ("object", None)
    raise ValueError(f"fetch_dict '{col}': model value '{name}' is {which.replace('_type', '')}, "
                     "which holds no value per row")


def _source(known: dict, src: str, dst: str, param: str, allow: tuple) -> tuple[str, tuple]:
    if src not in known:
        hint = f"; did you mean {{{dst!r}: {src!r}}}?" if dst in known else ""
        raise MissingColumnError(src, f"a fetched column ({list(known)})", "no such column",
                                 f"read by {param} (which maps source column -> new column, as SynapseML's)"
                                 + hint)
    kind, info = known[src]
    if kind not in allow:
        raise ColumnError(src, f"per-row arrays or maps for {param}", f"{kind} values")
    return kind, info


def _numpy_dtype(dtype: Any) -> np.dtype:
    """The NumPy dtype behind a column dtype (object for pandas' extension types without one)."""
    try:
        return np.dtype(dtype)
    except TypeError:
        return np.dtype(getattr(dtype, "numpy_dtype", object))


def _is_string_dtype(dtype: Any) -> bool:
    try:
        import pandas as pd

        return pd.api.types.is_string_dtype(dtype) and not pd.api.types.is_object_dtype(dtype)
    except (ImportError, TypeError):
        return False


# -- feeding -------------------------------------------------------------------------------------
def _feed(batch, cols: str | list[str], name: str, spec) -> np.ndarray:
    """The tensor for model input ``name`` from the batch's column(s), shaped and cast for the input."""
    want = spec.shape
    dtype = spec.dtype
    if not isinstance(cols, str):
        if want is not None and (len(want) != 2 or (isinstance(want[1], int) and want[1] != len(cols))):
            raise ColumnError(f"{cols}", f"model input '{name}' of shape {want}",
                              f"{len(cols)} scalar columns (one [N, {len(cols)}] tensor)")
        parts = []
        for c in cols:
            values = _column_values(batch[c], c, name, dtype)
            if values.ndim != 1:
                raise ColumnError(c, f"scalars (one of {len(cols)} columns stacked into model input '{name}')",
                                  f"per-row arrays of shape {values.shape[1:]}")
            parts.append(_cast(values, dtype, c, name))
        return np.stack(parts, axis=1) if parts else np.empty((len(batch), 0), dtype)
    values = _cast(_column_values(batch[cols], cols, name, dtype), dtype, cols, name)
    return _shape(values, want, cols, name)


def _column_values(series, col: str, name: str, dtype) -> np.ndarray:
    """The column as one array: [N] for scalars, [N, *row shape] for per-row lists or arrays."""
    import pandas as pd

    if isinstance(series, pd.DataFrame):
        raise ColumnError(col, "one column", f"{series.shape[1]} columns of that name")
    if isinstance(series.dtype, pd.api.extensions.ExtensionDtype) and not _is_string_dtype(series.dtype):
        if series.hasnans:
            if dtype is not None and dtype.kind == "f":
                return series.to_numpy(dtype=np.float64, na_value=np.nan)
            raise ColumnTypeError(col, f"values for model input '{name}' ({dtype})", "missing values (NA)")
        numpy_dtype = getattr(series.dtype, "numpy_dtype", None)
        return series.to_numpy(dtype=numpy_dtype)
    values = series.to_numpy()
    if values.dtype != object or len(values) == 0:
        return values
    first = values[0]
    if isinstance(first, np.ndarray) and first.dtype != object:
        try:  # the common case, one numeric array per row (Arrow's lists, list(array)): stacked at once
            return np.stack(values)
        except (ValueError, TypeError):
            pass  # ragged, or missing rows: the checks below say which
    missing = [i for i, v in enumerate(values) if v is None or (isinstance(v, float) and math.isnan(v))]
    if not any(isinstance(v, (list, tuple, np.ndarray)) for v in values):
        if missing and not (dtype is not None and dtype.kind == "f"):
            raise ColumnTypeError(col, f"a value in every row for model input '{name}'", _missing_rows(missing))
        if not missing and not any(isinstance(v, (str, bytes)) for v in values):
            try:  # Python numbers in an object column: let NumPy find their type, then cast as usual
                inferred = np.array(values.tolist())
            except (TypeError, ValueError):
                return values
            return inferred if inferred.dtype != object else values
        return values
    if missing:
        raise ColumnError(col, f"an array in every row for model input '{name}'", _missing_rows(missing))
    try:
        rows = [_dense(r) for r in values]
        return np.stack(rows)
    except (ValueError, TypeError):
        shapes = sorted({np.shape(_dense_or_none(r)) for r in values}, key=str)
        raise ColumnError(col, f"rows of one shape for model input '{name}'",
                          f"rows of shapes {shapes[:4]}{' ...' if len(shapes) > 4 else ''}") from None


def _missing_rows(rows: list[int]) -> str:
    return f"missing values (None or NaN) in rows {rows[:5]}{' ...' if len(rows) > 5 else ''}"


def _dense(row: Any) -> np.ndarray:
    """A per-row value as a dense array (Arrow gives nested lists as object arrays of arrays)."""
    if isinstance(row, np.ndarray) and row.dtype != object:
        return row
    if row is None or not isinstance(row, (list, tuple, np.ndarray)):
        raise TypeError("not a list")
    array = np.asarray(row) if not isinstance(row, np.ndarray) else row
    if array.dtype == object:
        array = np.array([_dense(x) if isinstance(x, (list, tuple, np.ndarray)) else x for x in row])
        if array.dtype == object and array.ndim and any(isinstance(x, (list, tuple, np.ndarray)) for x in array.flat):
            raise ValueError("ragged")
    return array


def _dense_or_none(row: Any):
    try:
        return _dense(row)
    except (ValueError, TypeError):
        return None


def _cast(values: np.ndarray, dtype, col: str, name: str) -> np.ndarray:
    """``values`` as ``dtype`` when nothing is lost; a ColumnTypeError naming the column otherwise."""
    if dtype is None or values.dtype == dtype:
        return values
    expected = f"{'strings' if dtype.kind == 'O' else dtype.name} for model input '{name}'"
    kind = values.dtype.kind
    if dtype.kind == "O":
        if kind in "USO" and all(isinstance(v, str) for v in values.flat):
            return values.astype(object)
        raise ColumnTypeError(col, expected, _describe(values))
    if kind in "OUSMm":
        if kind == "O":
            try:
                numeric = values.astype(np.float64) if dtype.kind == "f" else None
            except (TypeError, ValueError):
                numeric = None
            if numeric is not None and not any(isinstance(v, str) for v in values.flat):
                return numeric.astype(dtype)
        raise ColumnTypeError(col, expected, _describe(values))
    if dtype.kind == "f":
        if kind not in "biuf":
            raise ColumnTypeError(col, expected, _describe(values))
        return values.astype(dtype)
    if dtype.kind == "b":
        if kind != "b":
            raise ColumnTypeError(col, expected, _describe(values))
        return values.astype(dtype)
    if dtype.kind in "iu":
        if kind == "f":
            if not np.all(np.isfinite(values)) or not np.array_equal(values, np.trunc(values)):
                raise ColumnTypeError(col, expected, f"{values.dtype} values that are not all integers")
        elif kind not in "biu":
            raise ColumnTypeError(col, expected, _describe(values))
        if values.size and kind != "b":
            info = np.iinfo(dtype)
            lo, hi = values.min(), values.max()
            if lo < info.min or hi > info.max:
                raise ColumnTypeError(col, expected, f"{values.dtype} values from {lo} to {hi}, out of its range")
        return values.astype(dtype)
    return values.astype(dtype)


def _describe(values: np.ndarray) -> str:
    if values.dtype.kind == "O":
        sample = next((v for v in values.flat if not isinstance(v, (int, float, np.number))), None)
        if sample is not None:
            if isinstance(sample, np.str_):
                sample = str(sample)
            return f"non-numeric values such as {sample!r} ({type(sample).__name__})"
        return "Python objects"
    if values.dtype.kind in "US":
        return f"non-numeric values such as {str(values.flat[0])!r}" if values.size else "strings"
    return f"{values.dtype} values"


def _shape(values: np.ndarray, want: list | None, col: str, name: str) -> np.ndarray:
    """``values`` ([N] or [N, *row]) shaped as the input's declared shape, or a ColumnError."""
    if want is None:
        return values
    n = values.shape[0]
    row, want_row = values.shape[1:], want[1:]
    if len(row) == len(want_row):
        if all(not isinstance(w, int) or w == g for g, w in zip(row, want_row)):
            return values
    elif not row and len(want_row) == 1 and (not isinstance(want_row[0], int) or want_row[0] == 1):
        return values.reshape(n, 1)
    elif all(isinstance(w, int) for w in want_row) and math.prod(row) == math.prod(want_row) and row:
        return values.reshape(n, *want_row)
    shown = ["N" if i == 0 else (d if isinstance(d, int) else "?") for i, d in enumerate(want)]
    expected = f"{'scalars' if not want_row else 'per-row arrays of shape ' + str(tuple(shown[1:]))}"
    got = "scalars" if not row else f"per-row arrays of shape {row}"
    if not want_row and row:
        expected = "scalars"
    raise ColumnError(col, f"{expected} for model input '{name}' {shown}", got)


# -- outputs -------------------------------------------------------------------------------------
def _rows(value: Any, n: int, col: str, name: str, kind: str):
    """The per-row values of one fetched model value: an array of N scalars, or a list of N values."""
    if isinstance(value, np.ndarray):
        if value.ndim == 0 or value.shape[0] != n:
            raise ValueError(f"fetch_dict '{col}': model value '{name}' has shape {value.shape}, "
                             f"not one row for each of the {n} rows fed")
        if kind in ("scalar", "string") or (kind == "array" and value.ndim == 1):
            if value.ndim == 2 and value.shape[1] == 1:
                value = value.reshape(n)
            if value.ndim != 1:
                raise ValueError(f"fetch_dict '{col}': model value '{name}' has shape {value.shape}; "
                                 "its type promised one value per row")
            return value
        return list(value)
    if isinstance(value, list):
        if len(value) != n:
            raise ValueError(f"fetch_dict '{col}': model value '{name}' holds {len(value)} items for {n} rows")
        return value
    raise ValueError(f"fetch_dict '{col}': model value '{name}' ({type(value).__name__}) has no rows")


def _matrix(rows) -> tuple[np.ndarray, list | None]:
    """Per-row arrays or maps as one [N, ..., k] array (maps in key order) and the maps' keys."""
    if isinstance(rows, list) and rows and isinstance(rows[0], dict):
        keys = sorted(rows[0])
        return np.array([[r[k] for k in keys] for r in rows]), keys
    return np.stack(rows) if len(rows) else np.empty((0, 0)), None


def _softmax_rows(rows) -> list:
    if not len(rows):
        return []
    x, _ = _matrix(rows)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return list(e / e.sum(axis=-1, keepdims=True))


def _argmax_rows(rows):
    if not len(rows):
        return np.empty(0, np.int64)
    x, keys = _matrix(rows)
    index = x.argmax(axis=-1)
    if keys is not None:
        return np.array(keys)[index] if not isinstance(keys[0], str) else np.array(keys, dtype=object)[index]
    return index.astype(np.int64) if index.ndim == 1 else list(index.astype(np.int64))


def _empty(kind: str, info: tuple):
    if kind == "scalar":
        return np.empty(0, dtype=info[0])
    return np.empty(0, dtype=object)


def _assemble(df, plan: _Plan, parts: list[dict]):
    import pandas as pd

    out = df.copy(deep=False)
    new = {}
    for col, kind, info in plan.fields:
        pieces = [p[col] for p in parts]
        if not pieces:
            values = _empty(kind, info)
        elif all(isinstance(p, np.ndarray) for p in pieces):
            values = np.concatenate(pieces)
        else:
            values = np.empty(sum(len(p) for p in pieces), dtype=object)
            i = 0
            for p in pieces:
                for v in p:
                    values[i] = v
                    i += 1
        new[col] = pd.Series(values, index=df.index, dtype=object if values.dtype == object else None,
                             copy=False)
    return pd.concat([out, pd.DataFrame(new, index=df.index)], axis=1) if new else out


# -- progress ------------------------------------------------------------------------------------
def _progress(show: bool | None, batches: int):
    if show is None:
        show = batches >= _PROGRESS_MIN_BATCHES and sys.stderr.isatty()
    return progress.bar(batches, "ONNXModel", "batch", enabled=bool(show) and batches > 0)


__all__ = ["ONNXModel", "ColumnError", "MissingColumnError", "ColumnTypeError", "OPTIMIZATION_LEVELS"]
