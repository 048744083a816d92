"""ONNX types <-> NumPy dtypes and onnxruntime's type strings (``tensor(float)``, ``seq(...)``)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import onnx
from onnx import TensorProto, helper


@lru_cache(maxsize=None)
def elem_type_name(elem_type: int) -> str:
    """``TensorProto.FLOAT`` -> ``float``, as onnxruntime names element types."""
    return TensorProto.DataType.Name(elem_type).lower()


@lru_cache(maxsize=None)
def np_dtype(elem_type: int) -> np.dtype:
    """The NumPy dtype that holds ``elem_type`` (ml_dtypes for the small floats and ints)."""
    if elem_type == TensorProto.STRING:
        return np.dtype(object)
    return np.dtype(helper.tensor_dtype_to_np_dtype(elem_type))


def elem_type_of(array: np.ndarray) -> int:
    """The ONNX element type of a NumPy array (str/bytes/object arrays are strings)."""
    if array.dtype.kind in "OUS":
        return TensorProto.STRING
    return helper.np_dtype_to_tensor_dtype(array.dtype)


def type_string(tp: onnx.TypeProto) -> str:
    """onnxruntime's spelling of a TypeProto: tensor(float), seq(tensor(int64)), map(string,tensor(float))."""
    kind = tp.WhichOneof("value")
    if kind == "tensor_type":
        return f"tensor({elem_type_name(tp.tensor_type.elem_type)})"
    if kind == "sparse_tensor_type":
        return f"sparse_tensor({elem_type_name(tp.sparse_tensor_type.elem_type)})"
    if kind == "sequence_type":
        return f"seq({type_string(tp.sequence_type.elem_type)})"
    if kind == "map_type":
        return f"map({elem_type_name(tp.map_type.key_type)},{type_string(tp.map_type.value_type)})"
    if kind == "optional_type":
        return f"optional({type_string(tp.optional_type.elem_type)})"
    return "unknown"


def value_type_string(value) -> str:
    """onnxruntime's spelling of the type of a fed value, for error messages."""
    if isinstance(value, np.ndarray):
        return f"tensor({elem_type_name(elem_type_of(value))})"
    if isinstance(value, list):
        return f"seq({value_type_string(value[0])})" if value else "seq(unknown)"
    if isinstance(value, dict):
        return "map"
    return type(value).__name__


def shape_of(tp: onnx.TypeProto) -> list | None:
    """Dims of a tensor type: int for a fixed dim, str for a symbolic one, None for unknown."""
    kind = tp.WhichOneof("value")
    if kind not in ("tensor_type", "sparse_tensor_type"):
        return None
    t = getattr(tp, kind)
    if not t.HasField("shape"):
        return None
    dims = []
    for d in t.shape.dim:
        which = d.WhichOneof("value")
        dims.append(d.dim_value if which == "dim_value" else d.dim_param if which == "dim_param" else None)
    return dims


def tensor_to_array(tensor: onnx.TensorProto) -> np.ndarray:
    """A TensorProto as a NumPy array; string tensors become object arrays of ``str``."""
    from onnx import numpy_helper

    array = numpy_helper.to_array(tensor)
    if tensor.data_type == TensorProto.STRING:
        flat = [s.decode("utf-8", errors="replace") if isinstance(s, bytes) else s for s in array.ravel()]
        array = np.array(flat, dtype=object).reshape(array.shape)
    return array
