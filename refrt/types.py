"""ONNX types <-> NumPy dtypes and onnxruntime's type strings (``tensor(float)``, ``seq(...)``)."""

from __future__ import annotations

import operator
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


# -- maps and sequences of maps, fed as dicts and lists of dicts --------------------------------------
#
# onnxruntime's Python binding (1.32, onnxruntime_pybind_mlvalue.cc) turns a dict into a map: the
# first key decides the key type (a Python/NumPy integer: int64, a str: string, anything else is an
# error), every value becomes a C float, later duplicate keys win, and the map's type is then checked
# against the input's. An empty dict is refused. refrt does the same, with the same messages (also
# where onnxruntime's value error names the key's C type, not the value's), and goes further where
# onnxruntime's binding cannot follow (documented, not silent):
# - a map whose values are not float (map(string, tensor(double)), map(int64, tensor(string)) ...):
#   onnxruntime always builds values of type float and then reports a type mismatch; refrt converts
#   the values to the declared type (ints for int64, str for string, no float32 rounding for double).
# - seq(map(...)) inputs: onnxruntime 1.32 refuses a list ("tensor type 0 is not supported") and
#   garbles a tuple (every map after the first repeats entries of the first); refrt converts each dict
#   of a list or tuple, and an empty list is an empty sequence.
# Inside refrt a map is a dict with Python keys (int or str) in ascending order, as onnxruntime's
# std::map holds them, and values that are NumPy scalars of the declared type (np.float32 ...) or str,
# so that a kernel knows the value type; run() returns Python values (float, int, str), as onnxruntime.

_C_TYPE = {TensorProto.INT64: "int64_t", TensorProto.STRING: "string", TensorProto.FLOAT: "float",
           TensorProto.DOUBLE: "double", TensorProto.INT32: "int32_t"}


class MapType:
    """The declared type of a map input: its key and value element types."""

    def __init__(self, tp: onnx.TypeProto):
        self.key = tp.map_type.key_type
        value = tp.map_type.value_type
        self.value = value.tensor_type.elem_type if value.WhichOneof("value") == "tensor_type" else None
        self.value_string = type_string(value)

    def string(self, key: int) -> str:
        return f"map({elem_type_name(key)},{self.value_string})"


def map_type_of(tp: onnx.TypeProto) -> MapType | None:
    return MapType(tp) if tp.WhichOneof("value") == "map_type" else None


def _is_number(obj) -> bool:
    """Python's PyNumber_Check: ints, floats, complex, NumPy scalars and arrays."""
    t = type(obj)
    return isinstance(obj, complex) or any(hasattr(t, a) for a in ("__index__", "__int__", "__float__"))


def _key_kind(key, name: str) -> int:
    """The key type onnxruntime makes of a dict whose first key is ``key``."""
    if isinstance(key, str):
        return TensorProto.STRING
    if _is_number(key):
        return TensorProto.INT64
    raise RuntimeError(f"Key type must be int or string (not {type(key)}) for input '{name}'.")


def _int_in(obj, dtype: np.dtype):
    """``obj`` as a Python int within ``dtype``'s range (PyLong_AsLong's rules), else None."""
    try:
        v = operator.index(obj)
    except TypeError:
        return None
    info = np.iinfo(dtype)
    return v if info.min <= v <= info.max else None


def _value_getter(value_elem: int | None, key_kind: int, name: str):
    """The function turning one fed value into the map's Python value (raises onnxruntime's errors)."""

    def refuse(v, c_type):
        raise RuntimeError(
            f"Unexpected value type  {type(v)}, it cannot be linked to C type {c_type} for input '{name}'."
        )

    if value_elem in (TensorProto.FLOAT, TensorProto.DOUBLE, TensorProto.FLOAT16, TensorProto.BFLOAT16):
        # onnxruntime's getter names the *key's* C type in its message; kept, for float maps
        c_type = _C_TYPE[key_kind] if value_elem == TensorProto.FLOAT else _C_TYPE.get(value_elem, "float")

        def to_float(v):
            if isinstance(v, float):
                return float(v)
            if not _is_number(v):
                refuse(v, c_type)
            try:
                return float(v)
            except (TypeError, ValueError, OverflowError) as e:
                from refrt.errors import Fail

                raise Fail(f"{type(e)}: {e}") from None

        return to_float
    if value_elem == TensorProto.STRING:
        return lambda v: str(v) if isinstance(v, str) else refuse(v, "string")
    if value_elem is not None and value_elem != TensorProto.BOOL and np_dtype(value_elem).kind in "iu":
        dtype = np_dtype(value_elem)

        def to_int(v):
            i = _int_in(v, dtype)
            return refuse(v, _C_TYPE.get(value_elem, dtype.name + "_t")) if i is None else i

        return to_int
    if value_elem == TensorProto.BOOL:
        return lambda v: bool(v) if isinstance(v, (bool, np.bool_)) else refuse(v, "bool")
    return lambda v: v  # not a tensor value type: kept as given


def _to_map(value: dict, name: str, value_elem: int | None) -> tuple[dict, int]:
    """A fed dict as refrt's map (sorted Python keys and values) and the key type it was read as."""
    if not value:
        raise RuntimeError("Size of dictionary is empty, unable to run the prediction.")
    kind = _key_kind(next(iter(value)), name)
    if kind == TensorProto.STRING:
        get_key = str  # PyObject_Str: any later key is accepted and spelled as str() does
    else:
        def get_key(k):
            i = _int_in(k, np.dtype(np.int64))
            if i is None:
                raise RuntimeError(
                    f"Unexpected key type  {type(k)}, it cannot be linked to C type int64_t for input '{name}'."
                )
            return i
    get_value = _value_getter(value_elem, kind, name)
    converted = {}
    for k, v in value.items():  # one pass over the caller's dict: there is no array to vectorise over
        converted[get_key(k)] = get_value(v)
    keys = sorted(converted)
    values = [converted[k] for k in keys]
    if value_elem is not None and value_elem != TensorProto.STRING:
        # NumPy scalars of the declared type (float32 rounds as onnxruntime's C float does), so that
        # kernels know the value type; run() hands back Python values (see python_value)
        with np.errstate(over="ignore"):
            values = np.array(values, dtype=np.float64 if np_dtype(value_elem).kind == "f" else None).astype(np_dtype(value_elem))
    return dict(zip(keys, values)), kind


def _mismatch(actual: str, expected: str):
    from refrt.errors import InvalidArgument

    return InvalidArgument(f"Unexpected input data type. Actual: (({actual})) , expected: (({expected}))")


def feed_map(value, name: str, mt: MapType, seq: bool):
    """A value fed to a ``map(K, V)`` input (``seq``: a ``seq(map(K, V))`` input), checked and converted."""
    from refrt.errors import InvalidArgument

    expected = f"seq({mt.string(mt.key)})" if seq else mt.string(mt.key)
    if isinstance(value, np.ndarray):
        raise InvalidArgument(f"input with name: '{name}' expected to be of type: 1 but received a tensor")
    if isinstance(value, dict):
        converted, kind = _to_map(value, name, mt.value)
        if seq or not _same_key(kind, mt.key):
            raise _mismatch(mt.string(kind), expected)
        return converted
    if isinstance(value, list) and not seq:
        raise RuntimeError(
            "type_proto.tensor_type().has_elem_type() was false. "
            "The graph is missing type information needed to construct the ORT tensor"
        )
    if isinstance(value, (str, bytes)):
        items = list(value)  # iterable, and never of dicts: the message below
    else:
        try:
            items = list(value)
        except TypeError:
            raise RuntimeError(f"Unable to handle object of type {type(value)}") from None
    if not items and not seq:
        raise RuntimeError(f"Input '{name}' must not be empty.")
    maps, kinds = [], []
    for item in items:
        if isinstance(item, np.ndarray):
            raise RuntimeError(f"Iterable of {type(item)} should be given as array for input '{name}'.")
        if not isinstance(item, dict):
            raise RuntimeError(f"Input must be a list of dictionaries or a single numpy array for input '{name}'.")
        converted, kind = _to_map(item, name, mt.value)
        maps.append(converted)
        kinds.append(kind)
    wrong = [k for k in kinds if not _same_key(k, mt.key)]
    if not seq or wrong:
        raise _mismatch(f"seq({mt.string(wrong[0] if wrong else kinds[0])})", expected)
    return maps


def _same_key(kind: int, declared: int) -> bool:
    """Whether keys read as ``kind`` (INT64 or STRING) fit the declared key type."""
    if kind == TensorProto.STRING:
        return declared == TensorProto.STRING
    return declared != TensorProto.STRING


def map_value_type_string(value: dict, name: str) -> str:
    """onnxruntime's type of a dict fed to an input that is no map (converting it, with its errors)."""
    _, kind = _to_map(value, name, TensorProto.FLOAT)
    return f"map({elem_type_name(kind)},tensor(float))"


_PYTHON_SCALARS = (float, int, str, bool)


def python_value(value):
    """An output as onnxruntime returns it: maps (and sequences of maps) with Python keys and values.

    A map whose first value is already a Python scalar is taken to be all Python (ZipMap makes its
    maps so) and is returned as it is: no copy of ten thousand dicts per run."""
    if isinstance(value, dict):
        if not value or type(next(iter(value.values()))) in _PYTHON_SCALARS:
            return value
        return dict(zip(value.keys(), np.array(list(value.values())).tolist()))
    if isinstance(value, list) and value and isinstance(value[0], dict):
        first = value[0]
        if not first or type(next(iter(first.values()))) in _PYTHON_SCALARS:
            return value
        return [python_value(m) for m in value]
    return value
