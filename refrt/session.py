"""The drop-in API: InferenceSession, SessionOptions, RunOptions, NodeArg, as onnxruntime has them."""

from __future__ import annotations

import contextlib
import enum
import json
import os
import threading
import time
import warnings
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Sequence

import numpy as np
import onnx
import onnx.inliner

from refrt import check, device as devices, intra_op, ir, levels, loader
from refrt.errors import Fail, InvalidArgument
from refrt.executor import run_plan
from refrt.plan import CompiledGraph
from refrt.providers import CPU, KNOWN, Provider, get_available_providers
from refrt.types import (
    feed_map, map_type_of, map_value_type_string, np_dtype, python_value, shape_of, type_string, value_type_string,
)


# add_session_config_entry(WARM_UP, "1"): run once on zeros at session creation (compiles Numba kernels)
WARM_UP = "session.refrt.warm_up"


class GraphOptimizationLevel(enum.IntEnum):
    ORT_DISABLE_ALL = 0
    ORT_ENABLE_BASIC = 1
    ORT_ENABLE_EXTENDED = 2
    ORT_ENABLE_LAYOUT = 3
    ORT_ENABLE_ALL = 99


class ExecutionMode(enum.IntEnum):
    ORT_SEQUENTIAL = 0
    ORT_PARALLEL = 1


class SessionOptions:
    """Session settings, with onnxruntime's names and defaults."""

    def __init__(self) -> None:
        self.graph_optimization_level = GraphOptimizationLevel.ORT_ENABLE_ALL
        self.intra_op_num_threads = 0
        self.inter_op_num_threads = 0
        self.execution_mode = ExecutionMode.ORT_SEQUENTIAL
        self.enable_profiling = False
        self.profile_file_prefix = "onnxruntime_profile_"
        self.optimized_model_filepath = ""
        self.log_severity_level = 2
        self.log_verbosity_level = 0
        self.logid = ""
        self.enable_cpu_mem_arena = True
        self.enable_mem_pattern = True
        self.enable_mem_reuse = True
        self.use_deterministic_compute = False
        self._config: dict[str, str] = {}
        self._free_dims: dict[str, int] = {}

    def add_session_config_entry(self, key: str, value: str) -> None:
        self._config[str(key)] = str(value)

    def get_session_config_entry(self, key: str) -> str:
        if key not in self._config:
            raise RuntimeError(f"SessionOptions does not have configuration with key: {key}")
        return self._config[key]

    def add_free_dimension_override_by_name(self, name: str, value: int) -> None:
        self._free_dims[name] = int(value)

    def register_custom_ops_library(self, path: str) -> None:
        raise RuntimeError(
            "refrt cannot load compiled custom-op libraries; register a Python kernel with @refrt.kernel"
        )


class RunOptions:
    def __init__(self) -> None:
        self.log_severity_level = 2
        self.log_verbosity_level = 0
        self.logid = ""
        self.terminate = False
        self.only_execute_path_to_fetches = False
        self._config: dict[str, str] = {}

    def add_run_config_entry(self, key: str, value: str) -> None:
        self._config[str(key)] = str(value)

    def get_run_config_entry(self, key: str) -> str:
        if key not in self._config:
            raise RuntimeError(f"RunOptions does not have configuration with key: {key}")
        return self._config[key]


@dataclass(frozen=True)
class NodeArg:
    name: str
    type: str
    shape: list = field(default_factory=list)

    def __repr__(self) -> str:
        return f"NodeArg(name='{self.name}', type='{self.type}', shape={self.shape})"


@dataclass(frozen=True)
class ModelMetadata:
    producer_name: str
    graph_name: str
    domain: str
    description: str
    graph_description: str
    version: int
    custom_metadata_map: dict


def _node_arg(vi: onnx.ValueInfoProto) -> NodeArg:
    return NodeArg(vi.name, type_string(vi.type), shape_of(vi.type) or [])


class _InputSpec:
    """What one graph input accepts; checks and converts a fed value as onnxruntime does."""

    def __init__(self, vi: onnx.ValueInfoProto, overridable: bool):
        self.name = vi.name
        self.overridable = overridable
        tp = vi.type
        kind = tp.WhichOneof("value")
        self.optional = kind == "optional_type"
        if self.optional:
            tp = tp.optional_type.elem_type
            kind = tp.WhichOneof("value")
        self.kind = kind
        self.type = type_string(vi.type)
        self.tensor_type = type_string(tp)
        self.dtype = np_dtype(tp.tensor_type.elem_type) if kind == "tensor_type" and tp.tensor_type.elem_type else None
        self.shape = shape_of(tp) if kind == "tensor_type" else None
        # map(K, V) or seq(map(K, V)): fed as a dict or a list of dicts, see refrt.types.MapType
        self.seq_of_maps = kind == "sequence_type" and tp.sequence_type.elem_type.WhichOneof("value") == "map_type"
        self.map_type = map_type_of(tp.sequence_type.elem_type if self.seq_of_maps else tp)

    def convert(self, value: Any) -> Any:
        if value is None and self.optional:
            return None
        if self.map_type is not None:
            return feed_map(value, self.name, self.map_type, self.seq_of_maps)
        if isinstance(value, dict):  # onnxruntime makes the map first, then finds the type wrong
            raise _wrong_map_feed(value, self.name, self.type)
        if self.kind != "tensor_type":
            return value  # sequences of tensors and optionals are checked by the kernels that read them
        if isinstance(value, np.ndarray):
            array = value
        elif isinstance(value, list):
            array = self._from_list(value)
        elif hasattr(value, "__array__") and not isinstance(value, np.generic):
            array = np.asarray(value)
        else:
            raise RuntimeError(
                f"Unable to handle object of type {type(value)} for input '{self.name}': "
                f"expected a numpy array of {self.tensor_type} with shape {self.shape}"
            )
        if self.dtype is not None and array.dtype != self.dtype:
            if self.dtype.kind == "O" and array.dtype.kind in "US":
                array = array.astype(object)
            else:
                raise InvalidArgument(
                    f"Unexpected input data type. Actual: ({value_type_string(array)}) , "
                    f"expected: ({self.tensor_type})"
                )
        self._check_shape(array)
        return array

    def _from_list(self, value: list) -> np.ndarray:
        try:
            array = np.array(value)
        except ValueError as e:
            raise InvalidArgument(f"Input '{self.name}': cannot make a tensor of the list given ({e})") from None
        if self.dtype is None or array.dtype == self.dtype:
            return array
        if self.dtype.kind == "O":
            return array.astype(str).astype(object)
        if array.dtype.kind in "US" or array.dtype.kind == "O":
            raise InvalidArgument(
                f"Unexpected input data type. Actual: ({value_type_string(array)}) , expected: ({self.tensor_type})"
            )
        # onnxruntime truncates 1.5 -> 1 silently; a lossy conversion is an error here.
        if array.dtype.kind in "fc" and self.dtype.kind in "iub" and not np.array_equal(array, np.trunc(array.real)):
            raise InvalidArgument(
                f"Input '{self.name}' expects {self.tensor_type}, but the list holds non-integral numbers "
                "(converting would lose their fractional part); pass a numpy array of the right type"
            )
        return array.astype(self.dtype)

    def convert_device(self, value: Any, device: "devices.Device | None") -> Any:
        """A fed device array (CuPy, __cuda_array_interface__, DLPack) checked like a NumPy one: kept on
        ``device`` when the session has one, else copied to the host."""
        if self.kind != "tensor_type":
            raise RuntimeError(f"Input '{self.name}' is {self.type}: only tensors can be fed as device arrays")
        if device is not None:
            try:
                array = device.adopt(value)
            except TypeError:
                array = devices.to_host(value)
        else:
            array = devices.to_host(value)
        if self.dtype is not None and np.dtype(array.dtype) != self.dtype:
            raise InvalidArgument(
                f"Unexpected input data type. Actual: ({value_type_string(np.empty(0, array.dtype))}) , "
                f"expected: ({self.tensor_type})"
            )
        self._check_shape(array)
        return array

    def _check_shape(self, array: np.ndarray) -> None:
        if self.shape is None:
            return
        if array.ndim != len(self.shape):
            raise InvalidArgument(
                f"Invalid rank for input: {self.name} Got: {array.ndim} Expected: {len(self.shape)} "
                "Please fix either the inputs/outputs or the model."
            )
        bad = [(i, got, want) for i, (got, want) in enumerate(zip(array.shape, self.shape)) if isinstance(want, int) and got != want]
        if bad:
            lines = "".join(f" index: {i} Got: {got} Expected: {want}\n" for i, got, want in bad)
            raise InvalidArgument(
                f"Got invalid dimensions for input: {self.name} for the following indices\n{lines}"
                " Please fix either the inputs/outputs or the model."
            )


def _wrong_map_feed(value: dict, name: str, expected: str) -> InvalidArgument:
    """A dict fed to an input that is not a map: onnxruntime's words, after its own dict conversion."""
    return InvalidArgument(
        f"Unexpected input data type. Actual: (({map_value_type_string(value, name)})) , expected: (({expected}))"
    )


class InferenceSession:
    """Runs an ONNX model; the same constructor and methods as ``onnxruntime.InferenceSession``."""

    def __init__(
        self,
        path_or_bytes: str | bytes | os.PathLike | onnx.ModelProto,
        sess_options: SessionOptions | None = None,
        providers: Sequence[str | tuple[str, dict]] | None = None,
        provider_options: Sequence[dict] | None = None,
        **kwargs: Any,
    ) -> None:
        start_ns = time.perf_counter_ns()
        self._profiling_start_ns = time.time_ns()
        self._sess_options = sess_options if sess_options is not None else SessionOptions()
        self._model_path = os.fspath(path_or_bytes) if isinstance(path_or_bytes, (str, os.PathLike)) else None
        self._model_bytes = path_or_bytes if isinstance(path_or_bytes, (bytes, bytearray)) else None
        self._profile: list[dict] = []
        self._profile_lock = threading.Lock()
        self._written_lock = threading.Lock()
        self._written: CompiledGraph | None = None  # the graph as written, compiled on first need

        model, base_dir = loader.load(path_or_bytes)
        if model.functions:
            model = onnx.inliner.inline_local_functions(model)
        loaded_ns = time.perf_counter_ns()
        self._graph = ir.build(model)
        loader.load_external_data(model, base_dir)
        inferred = check.check_model(model, self._graph)
        if inferred is not None:
            ir.add_inferred_types(self._graph, inferred.graph)
        self._model = model

        initializers = set(self._graph.initializers)
        graph_inputs = self._graph.inputs
        self._inputs = [_node_arg(vi) for vi in graph_inputs if vi.name not in initializers]
        self._overridable = [_node_arg(vi) for vi in graph_inputs if vi.name in initializers]
        # An output the model leaves untyped is described by its inferred type, as onnxruntime does.
        known = {vi.name: vi for vi in inferred.graph.output} if inferred is not None else {}
        self._outputs = [
            _node_arg(known.get(vi.name, vi) if vi.type.WhichOneof("value") is None else vi) for vi in self._graph.outputs
        ]
        self._output_names = [o.name for o in self._outputs]
        self.set_providers(providers, provider_options)
        if self._sess_options.optimized_model_filepath:
            from refrt.passes._rewrite import to_model

            onnx.save(to_model(self._compiled.graph, model), self._sess_options.optimized_model_filepath)
        if self._sess_options.enable_profiling:
            self._record("Session", "model_loading_uri", start_ns, loaded_ns)
            self._record("Session", "session_initialization", loaded_ns, time.perf_counter_ns())

    # -- providers -------------------------------------------------------------------------
    def set_providers(self, providers: Sequence | None = None, provider_options: Sequence[dict] | None = None) -> None:
        chosen = _choose_providers(providers, provider_options)
        order = [p for p, _ in chosen]
        config = self._sess_options._config
        disabled = frozenset(n.strip() for n in config.get("session.disable_optimizers", "").split(",") if n.strip())
        unknown = disabled - set(levels.all_pass_names())
        if unknown:
            raise InvalidArgument(
                f"session.disable_optimizers names unknown passes {sorted(unknown)}; passes: {levels.all_pass_names()}"
            )
        graph = levels.optimize(self._graph, self._sess_options.graph_optimization_level, order, disabled)
        device = next((d for d in (p.make_device(opts) for p, opts in chosen) if d is not None), None)
        compiled = CompiledGraph(graph, order, device)
        if device is not None:
            compiled.plan_for(self._output_names)  # host-device copies placed now, at session creation
        specs = {}
        for vi in self._graph.inputs:
            spec = _InputSpec(vi, overridable=vi.name in self._graph.initializers)
            specs[vi.name] = spec
        self._providers = chosen
        self._input_specs = specs
        self._required = [
            s.name for s in specs.values() if not s.overridable and not s.optional
        ]
        self._compiled = compiled  # swapped last: a concurrent run() sees the old or the new plan whole
        if config.get(WARM_UP, "0") == "1":
            self._warm_up()

    def _warm_up(self) -> None:
        """One run on zeros of the declared shapes (symbolic dims 1), so that compiled kernels (Numba's)
        are built now and not in the first request; a model that zeros cannot run warns instead."""
        feeds = {}
        for arg in self.get_inputs():
            if not arg.type.startswith("tensor("):
                warnings.warn(f"{WARM_UP}: input '{arg.name}' is {arg.type}; no warm-up run", stacklevel=3)
                return
            dtype = self._input_specs[arg.name].dtype
            shape = [d if isinstance(d, int) and d >= 0 else 1 for d in arg.shape]
            feeds[arg.name] = np.zeros(shape, dtype=dtype) if dtype.kind not in "OUS" else np.full(shape, "", object)
        try:
            self.run(None, feeds)
        except Exception as e:  # noqa: BLE001 - a warm-up is a courtesy, never a reason to refuse the model
            warnings.warn(f"{WARM_UP}: the warm-up run on zeros failed ({e}); kernels compile on first use",
                          stacklevel=3)

    def placement(self) -> dict[str, int]:
        """{provider: nodes it runs} in this session's optimized plan (refrt's; onnxruntime logs it)."""
        counts: dict[str, int] = {}
        for step in self._compiled.plan_for(self._output_names).steps:
            if step.node.index >= 0:  # not a MemcpyFromHost/MemcpyToHost step
                counts[step.provider] = counts.get(step.provider, 0) + 1
        return counts

    def transfers(self) -> dict[str, int]:
        """Host-device copies so far (refrt's): {"MemcpyFromHost", "MemcpyToHost", "initializers" (at
        session creation), "implicit" (host arrays device kernels returned)}; empty without a device."""
        device = self._compiled.device
        return dict(device.counts) if device is not None else {}

    def io_binding(self) -> "IOBinding":
        """An IOBinding for ``run_with_iobinding``: inputs and outputs bound to host or device memory."""
        from refrt.iobinding import IOBinding

        return IOBinding(self)

    def run_with_iobinding(self, iobinding: "IOBinding", run_options: RunOptions | None = None) -> None:
        """Run with the binding's inputs; its outputs stay where they were bound (``get_outputs``)."""
        iobinding._run(run_options)

    def value_names(self) -> list[str]:
        """Every value of the model as written (functions inlined), in topological order: node outputs,
        then the graph outputs that are not node outputs; each can be fetched by ``run``."""
        graph = self._graph
        known = {vi.name for vi in graph.inputs} | set(graph.initializers)
        names = [o for n in graph.nodes for o in n.outputs if o and o not in known]
        return list(dict.fromkeys(names + [vi.name for vi in graph.outputs]))

    def intermediate(self, input_feed: dict[str, Any], names: Sequence[str] | None = None) -> dict[str, Any]:
        """{name: value} for ``names`` (default: every value, see ``value_names``) from one run."""
        from refrt.compare import intermediates

        return intermediates(self, input_feed, names)

    def get_providers(self) -> list[str]:
        return [p.name for p, _ in self._providers]

    def get_provider_options(self) -> dict[str, dict[str, str]]:
        return {p.name: {k: str(v) for k, v in opts.items()} for p, opts in self._providers}

    def disable_fallback(self) -> None:
        pass

    def enable_fallback(self) -> None:
        pass

    # -- introspection ---------------------------------------------------------------------
    def get_inputs(self) -> list[NodeArg]:
        return list(self._inputs)

    def get_outputs(self) -> list[NodeArg]:
        return list(self._outputs)

    def get_overridable_initializers(self) -> list[NodeArg]:
        return list(self._overridable)

    def get_session_options(self) -> SessionOptions:
        return self._sess_options

    def get_modelmeta(self) -> ModelMetadata:
        m = self._model
        return ModelMetadata(
            producer_name=m.producer_name,
            graph_name=m.graph.name,
            domain=m.domain,
            description=m.doc_string,
            graph_description=m.graph.doc_string,
            version=m.model_version,
            custom_metadata_map={p.key: p.value for p in m.metadata_props},
        )

    # -- running ---------------------------------------------------------------------------
    def run(self, output_names: Sequence[str] | None, input_feed: dict[str, Any], run_options: RunOptions | None = None) -> list[Any]:
        """Compute ``output_names`` (None or []: the graph outputs; any intermediate name works too)."""
        results, values = self._run_values(output_names, input_feed, run_options)
        # Outputs are the caller's own arrays, as in onnxruntime: never a view of a constant or a feed.
        # (host feeds only: the stand-in's device arrays are ndarray subclasses, CuPy's are no ndarrays)
        feeds = [v for v in values.values()
                 if isinstance(v, np.ndarray) and not isinstance(v, devices.FakeDeviceArray)]
        return [
            r.copy() if isinstance(r, np.ndarray) and (not r.flags.writeable or any(np.may_share_memory(r, f) for f in feeds))
            else r if isinstance(r, np.ndarray) else python_value(r)
            for r in results
        ]

    def _run_values(self, output_names: Sequence[str] | None, input_feed: dict[str, Any],
                    run_options: RunOptions | None = None, device_fetches: frozenset = frozenset()) -> tuple[list, dict]:
        """(the requested values, the converted feeds): outputs on the host, or on the device for
        ``device_fetches`` (IOBinding)."""
        start_ns = time.perf_counter_ns()
        if run_options is not None and run_options.terminate:
            raise Fail("Exiting due to terminate flag being set to true.")
        fed = list(input_feed.keys())  # a non-dict fails here, as in onnxruntime
        missing = [n for n in self._required if n not in input_feed]
        if missing:
            raise ValueError(f"Required inputs ({missing}) are missing from input feed ({fed}).")
        specs = self._input_specs
        compiled = self._compiled
        device = compiled.device
        values = {}
        device_feeds = set()
        for name, value in input_feed.items():
            spec = specs.get(name)
            if spec is None:
                raise InvalidArgument(f"Invalid input name: {name}")
            if devices.is_external_array(value):  # CuPy, __cuda_array_interface__, DLPack
                value = spec.convert_device(value, device)
                if device is not None and device.owns(value):
                    device_feeds.add(name)
                values[name] = value
            else:
                values[name] = spec.convert(value)
        names = list(output_names) if output_names else self._output_names
        if any(isinstance(n, str) and (n not in compiled.slots or n in compiled.overwritten) for n in names):
            # An intermediate the optimizer fused, removed or lets a node overwrite in place: the
            # graph as written still has it.
            compiled = self._as_written(compiled)
        for name in names:
            if not isinstance(name, str) or name not in compiled.slots or not name or name[0] == "\0":
                raise InvalidArgument(f"Invalid output name:{name}")
        env = list(compiled.template)
        slots = compiled.slots
        for name, value in values.items():
            env[slots[name]] = value
        if device is not None:
            plan = compiled.plan_for(names, frozenset(device_feeds), device_fetches)
        else:
            plan = compiled.plan_for(names)
        intra_op.set_threads(self._sess_options.intra_op_num_threads)  # this thread's kernels: refrt/intra_op.py
        with device.activate() if device is not None else _NO_DEVICE:
            if not self._sess_options.enable_profiling:
                results = run_plan(plan, env)
            else:
                events: list = []
                results = run_plan(plan, env, events)
                self._record_run(events, start_ns)
        return results, values

    def _as_written(self, compiled: CompiledGraph) -> CompiledGraph:
        """The unoptimized plan (built on first need), for fetching values the optimizer removed."""
        if compiled.graph is self._graph:
            return compiled
        with self._written_lock:
            written = self._written
            if written is None or written.providers != compiled.providers or written.device is not compiled.device:
                written = self._written = CompiledGraph(self._graph, compiled.providers, compiled.device)
        return written

    # -- profiling -------------------------------------------------------------------------
    def _record(self, cat: str, name: str, start_ns: int, end_ns: int, args: dict | None = None) -> None:
        base = self._profiling_start_ns
        offset = time.time_ns() - time.perf_counter_ns()
        with self._profile_lock:
            self._profile.append(
                {
                    "cat": cat, "pid": os.getpid(), "tid": threading.get_ident(),
                    "dur": (end_ns - start_ns) // 1000, "ts": (start_ns + offset - base) // 1000,
                    "ph": "X", "name": name, "args": args or {},
                }
            )

    def _record_run(self, events: list, start_ns: int) -> None:
        for node, provider, s, e, shapes in events:
            self._record(
                "Node", f"{node.name or node.op_type + '_' + str(node.index)}_kernel_time", s, e,
                {"op_name": node.op_type, "provider": provider, "output_shapes": [list(x) if x is not None else None for x in shapes]},
            )
        self._record("Session", "model_run", start_ns, time.perf_counter_ns())

    def end_profiling(self) -> str:
        if not self._sess_options.enable_profiling:
            return ""
        stamp = datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
        path = f"{self._sess_options.profile_file_prefix}_{stamp}.json"
        with self._profile_lock:
            events, self._profile = self._profile, []
        with open(path, "w") as f:
            json.dump(events, f)
        return path

    def get_profiling_start_time_ns(self) -> int:
        return self._profiling_start_ns


_NO_DEVICE = contextlib.nullcontext()


def _choose_providers(providers: Sequence | None, provider_options: Sequence[dict] | None) -> list[tuple[Provider, dict]]:
    """Known, available providers in the order asked; the CPU provider always closes the list.

    None asks for the CPU provider alone: the reference kernels, as onnxruntime's CPU build runs by
    default; accelerated providers (Numba, CUDA) are asked for by name, as onnxruntime requires."""
    if providers is None:
        providers = [CPU.name]
    if provider_options is not None and len(provider_options) != len(providers):
        raise ValueError("'providers' and 'provider_options' should be the same length if both are given.")
    chosen: list[tuple[Provider, dict]] = []
    for i, entry in enumerate(providers):
        name, opts = (entry, {}) if isinstance(entry, str) else (entry[0], dict(entry[1]))
        if provider_options is not None:
            opts.update(provider_options[i])
        provider = KNOWN.get(name)
        if provider is not None:
            opts = provider.check_options(opts)
        if provider is None:
            warnings.warn(
                f"EP Error Unknown Provider Type: {name} when using {list(providers)}\n"
                f"Falling back to {['CPUExecutionProvider']} and retrying.",
                stacklevel=3,
            )
            continue
        if not provider.available(opts):
            warnings.warn(
                f"Specified provider '{name}' is not in available provider names. "
                f"Available providers: '{', '.join(get_available_providers())}'",
                stacklevel=3,
            )
            continue
        if all(p.name != name for p, _ in chosen):
            chosen.append((provider, opts))
    if all(p.name != CPU.name for p, _ in chosen):
        chosen.append((CPU, {}))
    return chosen
