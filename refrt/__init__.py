"""refrt: a readable, trustworthy ONNX runtime with onnxruntime's Python API.

    import refrt as ort
    sess = ort.InferenceSession("model.onnx", providers=["CPUExecutionProvider"])
    outputs = sess.run(None, {"input": array})
"""

from __future__ import annotations

__version__ = "0.1.0"

from refrt.errors import (  # noqa: E402
    EPFail, EngineError, Fail, InvalidArgument, InvalidGraph, InvalidProtobuf, ModelLoaded,
    NoModel, NoSuchFile, NotImplemented, OrtError, RuntimeException,
)
from refrt.providers import get_all_providers, get_available_providers  # noqa: E402
from refrt.registry import kernel  # noqa: E402
from refrt import hub  # noqa: E402
from refrt.slicing import save_sliced, slice_model  # noqa: E402
from refrt.compare import compare, intermediates  # noqa: E402
from refrt.dataframe import ONNXModel  # noqa: E402
from refrt.iobinding import IOBinding, OrtValue  # noqa: E402
from refrt.session import (  # noqa: E402
    ExecutionMode, GraphOptimizationLevel, InferenceSession, ModelMetadata, NodeArg, RunOptions,
    SessionOptions,
)


def get_device() -> str:
    """The device refrt computes on by default, as onnxruntime names it."""
    return "GPU" if "CUDAExecutionProvider" in get_available_providers() else "CPU"


__all__ = [
    "__version__", "InferenceSession", "SessionOptions", "RunOptions", "GraphOptimizationLevel",
    "ExecutionMode", "NodeArg", "ModelMetadata", "get_all_providers", "get_available_providers",
    "get_device", "kernel", "hub", "slice_model", "save_sliced", "compare", "intermediates", "ONNXModel", "IOBinding", "OrtValue", "Fail", "InvalidArgument", "NoSuchFile", "InvalidProtobuf", "InvalidGraph",
    "NotImplemented", "RuntimeException", "EPFail", "EngineError", "ModelLoaded", "NoModel", "OrtError",
]
