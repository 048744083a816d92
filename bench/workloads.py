"""What the benchmarks run, shared by the pytest-benchmark suite and ``python -m bench.report``.

Three runtimes on the same models and the same feeds:

- ``refrt``: ``refrt.InferenceSession`` with CPUExecutionProvider (the code under test);
- ``onnxruntime``: CPU, default session options (the speed bar);
- ``onnx.reference``: ``onnx.reference.ReferenceEvaluator`` (the other pure-Python runtime).

A refrt session is only handed out after its outputs matched onnxruntime's on the benchmark
feeds: a fast wrong answer is never timed.
"""

from __future__ import annotations

import os
import pathlib
import platform
import sys
from typing import Any, Callable

import numpy as np
import onnx
from onnx import TensorProto, helper

LIGHT_DIR = pathlib.Path(onnx.__file__).parent / "backend" / "test" / "data" / "light"
LIGHT_MODELS = ("light_resnet50", "light_squeezenet")
RUNTIMES = ("refrt", "onnxruntime", "onnx.reference")
CHAIN_LENGTH = 1000
# refrt computes in float32 like onnxruntime but in another summation order.
RTOL, ATOL = 1e-4, 1e-5

Runner = Callable[[], list]


def load_light(name: str) -> onnx.ModelProto:
    path = LIGHT_DIR / f"{name}.onnx"
    if not path.exists():
        raise FileNotFoundError(f"{path} is not in this onnx install ({onnx.__version__})")
    return onnx.load(path)


def feeds_for(model: onnx.ModelProto, seed: int = 0) -> dict[str, np.ndarray]:
    """Standard-normal float32 data for each graph input that is not an initializer (batch 1)."""
    rng = np.random.default_rng(seed)
    inits = {t.name for t in model.graph.initializer}
    feeds = {}
    for vi in model.graph.input:
        if vi.name in inits:
            continue
        dims = [d.dim_value if d.HasField("dim_value") else 1 for d in vi.type.tensor_type.shape.dim]
        dtype = helper.tensor_dtype_to_np_dtype(vi.type.tensor_type.elem_type)
        feeds[vi.name] = rng.standard_normal(dims).astype(dtype)
    return feeds


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


def make_runner(runtime: str, model: onnx.ModelProto, feeds: dict[str, np.ndarray]) -> Runner:
    """Create ``runtime``'s session for ``model`` now; return a call that runs it once on ``feeds``."""
    if runtime == "refrt":
        import refrt

        sess = refrt.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
        return lambda: sess.run(None, feeds)
    if runtime == "onnxruntime":
        import onnxruntime as ort

        ort.set_default_logger_severity(3)  # light models carry an unused initializer; ORT warns per session
        sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
        return lambda: sess.run(None, feeds)
    if runtime == "onnx.reference":
        from onnx.reference import ReferenceEvaluator

        ref = ReferenceEvaluator(model)
        return lambda: ref.run(None, feeds)
    raise ValueError(f"unknown runtime {runtime!r}; expected one of {RUNTIMES}")


def mismatch(expected: list, got: list, rtol: float = RTOL, atol: float = ATOL) -> str | None:
    """Why ``got`` differs from ``expected`` (types, shapes or values), or None when they agree."""
    if len(got) != len(expected):
        return f"{len(got)} outputs, expected {len(expected)}"
    for i, (e, g) in enumerate(zip(expected, got)):
        g = np.asarray(g)
        if g.dtype != e.dtype or g.shape != e.shape:
            return f"output {i} is {g.dtype}{list(g.shape)}, expected {e.dtype}{list(e.shape)}"
        try:
            np.testing.assert_allclose(g, e, rtol=rtol, atol=atol, err_msg=f"output {i}")
        except AssertionError as err:
            return str(err).strip()
    return None


def verified_runner(runtime: str, model: onnx.ModelProto, feeds: dict[str, np.ndarray], expected: list,
                    rtol: float = RTOL, atol: float = ATOL) -> tuple[Runner, str | None]:
    """``make_runner`` after one run checked against ``expected`` (onnxruntime's outputs).

    refrt and onnxruntime must agree, or this raises: their times are only worth reporting for
    right answers. onnx.reference is the comparison, not the code under test: it is timed even
    when wrong (it computes opset < 13 Softmax over the last axis only, so squeezenet's output is
    all ones), and the second value says what was wrong so reports can flag it.
    """
    run = make_runner(runtime, model, feeds)
    why = mismatch(expected, run(), rtol, atol)
    if why is not None and runtime != "onnx.reference":
        raise AssertionError(f"{runtime} on {model.graph.name} disagrees with onnxruntime: {why}")
    return run, why


def blas_info() -> dict[str, Any]:
    """Which BLAS numpy calls (it sets MatMul/Gemm/Conv speed) and the settings that steer it."""
    info: dict[str, Any] = {"OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE")}
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        if os.environ.get(var) is not None:
            info[var] = os.environ[var]
    try:
        deps = np.show_config(mode="dicts")["Build Dependencies"]  # numpy >= 1.26
        blas = deps.get("blas", {})
        info["numpy_blas"] = {k: blas.get(k) for k in ("name", "version", "openblas configuration") if blas.get(k)}
    except (TypeError, KeyError, AttributeError):
        info["numpy_blas"] = "unknown (numpy.show_config has no dict mode)"
    try:
        from threadpoolctl import threadpool_info

        info["threadpools"] = [{k: p.get(k) for k in ("internal_api", "version", "num_threads",
                                                       "threading_layer", "architecture")}
                               for p in threadpool_info()]
    except ImportError:
        info["threadpools"] = "threadpoolctl not installed"
    return info


def machine_info() -> dict[str, Any]:
    import onnxruntime

    try:
        import refrt

        refrt_version = getattr(refrt, "__version__", "unknown")
    except ImportError:
        refrt_version = "not importable"
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "numpy": np.__version__,
        "onnx": onnx.__version__,
        "onnxruntime": onnxruntime.__version__,
        "refrt": refrt_version,
        "blas": blas_info(),
    }
