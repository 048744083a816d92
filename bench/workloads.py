"""The runtimes the benchmarks compare, and the checks that make a time worth reporting.

Every runtime is a factory: ``(model path, threads) -> run(feeds) -> list of arrays``, created
from the model file so that session creation includes reading it, the same for all of them:

- ``refrt``: ``refrt.InferenceSession`` with CPUExecutionProvider (the code under test), and
  ``refrt:<Provider>`` for every other provider ``refrt.get_available_providers()`` lists;
- ``onnxruntime``: CPU, default session options (the speed bar);
- ``onnx.reference``: ``onnx.reference.ReferenceEvaluator`` (the other pure-Python runtime).

Threads: ``threads=1`` gives onnxruntime ``intra_op_num_threads=1, inter_op_num_threads=1`` and
limits numpy's BLAS (refrt, onnx.reference) to one thread with threadpoolctl (see
``thread_limits``); ``threads=None`` leaves every runtime at its default (onnxruntime: one
intra-op thread per physical core; OpenBLAS: one per core).

A runtime's outputs are compared with onnxruntime's before it is timed: a fast wrong answer is
refused, never reported as a time.
"""

from __future__ import annotations

import contextlib
import os
import pathlib
import platform
import sys
from typing import Any, Callable

import numpy as np
import onnx
from onnx import TensorProto, helper

from bench import models

LIGHT_DIR = models.LIGHT_DIR
LIGHT_MODELS = models.LIGHT_MODELS
CHAIN_LENGTH = 1000
RTOL, ATOL = models.RTOL, models.ATOL
REFERENCE = "onnx.reference"
ORT = "onnxruntime"
CPU = "CPUExecutionProvider"

Feeds = dict[str, np.ndarray]
Run = Callable[[Feeds], list]
Factory = Callable[[Any, "int | None"], Run]   # (model path, bytes or ModelProto; threads) -> run


def _refrt(providers: list[str]) -> Factory:
    def create(model, threads):
        import refrt

        so = refrt.SessionOptions()
        if threads:
            # refrt runs nodes one after another; intra_op_num_threads bounds the kernels' own chunks
            # (refrt/intra_op.py), and thread_limits bounds BLAS's threads.
            so.intra_op_num_threads = so.inter_op_num_threads = threads
        sess = refrt.InferenceSession(_source(model), so, providers=providers)
        return lambda feeds: sess.run(None, feeds)
    return create


def _onnxruntime(model, threads):
    import onnxruntime as ort

    ort.set_default_logger_severity(3)  # light models carry unused initializers; ORT warns per session
    so = ort.SessionOptions()
    if threads:
        so.intra_op_num_threads = so.inter_op_num_threads = threads
    sess = ort.InferenceSession(_source(model), so, providers=[CPU])
    return lambda feeds: sess.run(None, feeds)


def _reference(model, threads):
    from onnx.reference import ReferenceEvaluator

    ref = ReferenceEvaluator(str(model) if isinstance(model, pathlib.Path) else model)
    return lambda feeds: ref.run(None, feeds)


def _source(model):
    """What a session constructor takes: a path string, or serialized bytes for a ModelProto."""
    if isinstance(model, onnx.ModelProto):
        return model.SerializeToString()
    return str(model) if isinstance(model, pathlib.Path) else model


# Runtimes other than refrt's providers; a test may add a (deliberately wrong) one here.
RUNTIME_FACTORIES: dict[str, Factory] = {ORT: _onnxruntime, REFERENCE: _reference}


def refrt_runtimes() -> list[str]:
    """``refrt`` for the NumPy CPU provider, ``refrt:<Provider>`` for every other available one."""
    import refrt

    return [("refrt" if p == CPU else f"refrt:{p}") for p in refrt.get_available_providers()][::-1]


def default_runtimes() -> list[str]:
    return refrt_runtimes() + [ORT, REFERENCE]


def factory(runtime: str) -> Factory:
    if runtime == "refrt":
        return _refrt([CPU])
    if runtime.startswith("refrt:"):
        return _refrt([runtime.split(":", 1)[1], CPU])
    if runtime in RUNTIME_FACTORIES:
        return RUNTIME_FACTORIES[runtime]
    raise ValueError(f"unknown runtime {runtime!r}; expected refrt, refrt:<Provider> or one of "
                     f"{list(RUNTIME_FACTORIES)}")


def is_builtin(runtime: str) -> bool:
    """Whether a fresh process knows ``runtime`` (fakes added by a test live only in its process)."""
    return runtime == "refrt" or runtime.startswith("refrt:") or runtime in (ORT, REFERENCE)


def make_runner(runtime: str, model, feeds: Feeds, threads: int | None = None) -> Callable[[], list]:
    """Create ``runtime``'s session for ``model`` (path, bytes or ModelProto) now; return a call
    that runs it once on ``feeds``."""
    run = factory(runtime)(model, threads)
    return lambda: run(feeds)


@contextlib.contextmanager
def thread_limits(threads: int | None):
    """Limit numpy's BLAS (and any OpenMP pool) to ``threads`` inside the block; None: no limit."""
    if not threads:
        yield
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=threads):
        yield


# -- checking outputs ---------------------------------------------------------------------------

def mismatch(expected: list, got: list, rtol: float = RTOL, atol: float = ATOL,
             loose: tuple[int, ...] = ()) -> str | None:
    """Why ``got`` differs from ``expected`` (types, shapes or values), or None when they agree.

    Outputs whose index is in ``loose`` are compared for type, shape, NaN positions and the sum of
    each batch row only (probabilities whose logits are checked as another output).
    """
    if len(got) != len(expected):
        return f"{len(got)} outputs, expected {len(expected)}"
    for i, (e, g) in enumerate(zip(expected, got)):
        e, g = np.asarray(e), np.asarray(g)
        if g.dtype != e.dtype or g.shape != e.shape:
            return f"output {i} is {g.dtype}{list(g.shape)}, expected {e.dtype}{list(e.shape)}"
        if i in loose:  # probabilities over ill-conditioned logits: each batch row must still sum alike
            g_rows, e_rows = (a.reshape(len(a), -1).astype(np.float64).sum(axis=1) if a.ndim else a for a in (g, e))
            if not np.array_equal(np.isnan(g), np.isnan(e)) or not np.allclose(g_rows, e_rows, rtol=1e-3):
                return f"output {i}: row sums {g_rows[:4]}, expected {e_rows[:4]} (or NaNs differ)"
            continue
        if g.dtype.kind in "biufc":
            bad = ~np.isclose(g, e, rtol=rtol, atol=atol, equal_nan=True)
        else:  # strings, objects: exactly
            bad = np.asarray(g != e)
        if bad.any() and g.dtype.kind in "iuOU" and g.ndim == 1:
            bad &= ~_tied_rows(expected, len(g), rtol, atol)
        if bad.any():
            at = np.unravel_index(int(np.argmax(bad)), bad.shape) if bad.ndim else ()
            return (f"output {i}: {int(bad.sum())} of {bad.size} values differ beyond rtol {rtol:g}, atol {atol:g} "
                    f"(first at {list(map(int, at))}: {g[at].item()!r}, expected {e[at].item()!r})")
    return None


def _tied_rows(outputs: list, n: int, rtol: float, atol: float) -> np.ndarray:
    """Rows whose class probabilities (a float (n, C) output) tie at the top: there a classifier's
    label hangs on the order of a float32 sum (onnxruntime with several threads adds the trees'
    partial sums per thread), so a different label among the tied classes is no disagreement."""
    tied = np.zeros(n, dtype=bool)
    for out in outputs:
        p = np.asarray(out)
        if p.dtype.kind == "f" and p.ndim == 2 and p.shape[0] == n and p.shape[1] >= 2:
            top2 = np.sort(p, axis=1)[:, -2:]
            tied |= np.isclose(top2[:, 0], top2[:, 1], rtol=rtol, atol=atol)
    return tied


def verified_runner(runtime: str, model, feeds: Feeds, expected: list, rtol: float = RTOL, atol: float = ATOL,
                    threads: int | None = None, loose: tuple[int, ...] = ()) -> tuple[Callable[[], list], str | None]:
    """``make_runner`` after one run checked against ``expected`` (onnxruntime's outputs).

    Returns the runner and None, or the runner and why its outputs were refused: the caller must
    not time a refused runner as a result (pytest fails or xfails, the report prints "refused").
    """
    run = make_runner(runtime, model, feeds, threads)
    return run, mismatch(expected, run(), rtol, atol, loose)


# -- what the light-model and per-node suites run -------------------------------------------------

def load_light(name: str) -> onnx.ModelProto:
    path = LIGHT_DIR / f"{name}.onnx"
    if not path.exists():
        raise FileNotFoundError(f"{path} is not in this onnx install ({onnx.__version__})")
    return onnx.load(path)


def feeds_for(model: onnx.ModelProto, seed: int = 0) -> Feeds:
    """Standard-normal float32 data for each graph input that is not an initializer (batch 1)."""
    return models.generic_feeds(model, 1, seed)


def chain_model(n: int = CHAIN_LENGTH) -> onnx.ModelProto:
    """``n`` tiny nodes in a line on a 1-element tensor, alternating ``Add(x, 1)`` and ``Neg``.

    The arithmetic is nothing, so the time per node is the runtime's own cost of visiting a node.
    """
    nodes, x = [], "x"
    for i in range(n):
        y = f"t{i}" if i < n - 1 else "y"
        nodes.append(helper.make_node("Add", [x, "one"], [y]) if i % 2 == 0 else helper.make_node("Neg", [x], [y]))
        x = y
    graph = helper.make_graph(
        nodes, "chain",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])],
        [helper.make_tensor("one", TensorProto.FLOAT, [], [1.0])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model


def chain_expected(x: np.ndarray, n: int = CHAIN_LENGTH) -> np.ndarray:
    # Each (Add, Neg) pair maps x to -(x + 1); computed the same way, in float32, to compare exactly.
    for i in range(n):
        x = x + np.float32(1.0) if i % 2 == 0 else -x
    return x


# -- the machine ------------------------------------------------------------------------------------

def blas_info() -> dict[str, Any]:
    """Which BLAS numpy calls (it sets MatMul/Gemm/Conv speed) and the settings that steer it."""
    info: dict[str, Any] = {"OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE")}
    for var in ("OPENBLAS_L2_SIZE", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        if os.environ.get(var) is not None:
            info[var] = os.environ[var]
    try:
        deps = np.show_config(mode="dicts")["Build Dependencies"]  # numpy >= 1.26
        blas = deps.get("blas", {})
        info["numpy_blas"] = {k: blas.get(k) for k in ("name", "version", "openblas configuration") if blas.get(k)}
    except (TypeError, KeyError, AttributeError):
        info["numpy_blas"] = "unknown (numpy.show_config has no dict mode)"
    info["threadpools"] = threadpools()
    return info


def threadpools() -> list[dict] | str:
    """The native thread pools loaded in this process and their current thread counts."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "threadpoolctl not installed"
    return [{k: p.get(k) for k in ("internal_api", "version", "num_threads", "threading_layer", "architecture")}
            for p in threadpool_info()]


def machine_info() -> dict[str, Any]:
    import onnxruntime

    try:
        import refrt

        refrt_version = getattr(refrt, "__version__", "unknown")
        providers = refrt.get_available_providers()
    except ImportError:
        refrt_version, providers = "not importable", []
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "processor": _cpu_model() or platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "numpy": np.__version__,
        "onnx": onnx.__version__,
        "onnxruntime": onnxruntime.__version__,
        "refrt": refrt_version,
        "refrt_providers": providers,
        "blas": blas_info(),
    }


def _cpu_model() -> str | None:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None
