"""Exceptions named and worded as onnxruntime raises them.

onnxruntime formats every status error as ``[ONNXRuntimeError] : <code> : <NAME> : <message>``;
code that catches ``onnxruntime.capi.onnxruntime_pybind11_state.InvalidArgument`` can catch
``refrt.errors.InvalidArgument`` (also at ``refrt.capi.onnxruntime_pybind11_state``).
"""

from __future__ import annotations


class OrtError(Exception):
    """Base of the status errors; ``code`` and ``status`` follow onnxruntime's StatusCode."""

    code = 1
    status = "FAIL"

    def __init__(self, message: str):
        self.message = message
        super().__init__(f"[ONNXRuntimeError] : {self.code} : {self.status} : {message}")


class Fail(OrtError):
    code, status = 1, "FAIL"


class InvalidArgument(OrtError):
    code, status = 2, "INVALID_ARGUMENT"


class NoSuchFile(OrtError):
    code, status = 3, "NO_SUCHFILE"


class NoModel(OrtError):
    code, status = 4, "NO_MODEL"


class EngineError(OrtError):
    code, status = 5, "ENGINE_ERROR"


class RuntimeException(OrtError):
    code, status = 6, "RUNTIME_EXCEPTION"


class InvalidProtobuf(OrtError):
    code, status = 7, "INVALID_PROTOBUF"


class ModelLoaded(OrtError):
    code, status = 8, "MODEL_LOADED"


class NotImplemented(OrtError):  # noqa: A001 - onnxruntime's name, kept for drop-in code
    code, status = 9, "NOT_IMPLEMENTED"


class InvalidGraph(OrtError):
    code, status = 10, "INVALID_GRAPH"


class EPFail(OrtError):
    code, status = 11, "EP_FAIL"


__all__ = [
    "OrtError", "Fail", "InvalidArgument", "NoSuchFile", "NoModel", "EngineError",
    "RuntimeException", "InvalidProtobuf", "ModelLoaded", "NotImplemented", "InvalidGraph", "EPFail",
]
