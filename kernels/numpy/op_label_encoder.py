"""LabelEncoder (ai.onnx.ml): map each element through a key -> value table; unknown keys get a default.

Revision 1 maps strings to their index in ``classes_strings`` (int64) and int64 indices back to
strings. Revisions 2 and 4 map ``keys_*`` to ``values_*`` (4 adds tensor attributes and int16,
int32, double). Repeated keys: revision 2 keeps the first, as onnxruntime does; revision 4 keeps
the last, as its spec says (onnxruntime keeps the first there too). A NaN key matches every NaN
input in both (revision 2's spec says "bit-wise", which matches a NaN of the same bits; onnxruntime
matches none). Numbers are looked up by ``searchsorted`` in the sorted keys, strings through a dict
(faster than any sort of strings).
"""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._string_util import as_strings, map_strings


def _encode(x: np.ndarray, keys: np.ndarray, values: np.ndarray, default, keep: str) -> np.ndarray:
    """``values[i]`` where x equals ``keys[i]`` (``keep`` = "first"/"last" of repeated keys), else default."""
    if len(keys) != len(values):
        raise ValueError(f"LabelEncoder: {len(keys)} keys but {len(values)} values")
    out_dtype = values.dtype
    if keys.dtype == object:
        if x.dtype.kind not in "OUS":
            raise ValueError(f"LabelEncoder: string keys need a string input, got {x.dtype}")
        pairs = zip(keys.tolist(), values.tolist())
        table = dict(reversed(list(pairs))) if keep == "first" else dict(pairs)
        return map_strings(lambda s: table.get(s, default), as_strings(x, "LabelEncoder"), dtype=out_dtype)
    if x.dtype.kind in "OUS":
        raise ValueError(f"LabelEncoder: numeric keys ({keys.dtype}) need a numeric input, got strings")
    keys = keys.astype(x.dtype)
    if keep == "last":
        keys, values = keys[::-1], values[::-1]
    # np.unique keeps the first occurrence of each key and gathers the NaNs into one, sorted last
    unique, first = np.unique(keys, return_index=True)
    mapped = values[first]
    if len(unique) == 0:
        return np.full(x.shape, default, dtype=out_dtype)
    pos = np.minimum(np.searchsorted(unique, x), len(unique) - 1)
    found = unique[pos] == x
    if x.dtype.kind == "f":
        found |= np.isnan(unique[pos]) & np.isnan(x)
    out = np.full(x.shape, default, dtype=out_dtype)
    out[found] = mapped[pos[found]]
    return out


def _chosen(op_version: int, **candidates):
    """The one attribute of a keys_*/values_* family that is set (None when none is)."""
    given = [(name, value) for name, value in candidates.items() if value is not None]
    if len(given) > 1:
        raise ValueError(f"LabelEncoder-{op_version}: only one of {', '.join(n for n, _ in given)} may be set")
    return given[0] if given else (None, None)


_LIST_DTYPES = {"floats": np.float32, "int64s": np.int64, "strings": object}


def _as_array(name: str, value) -> np.ndarray:
    if isinstance(value, np.ndarray):
        return value.reshape(-1)
    return np.array(value, dtype=_LIST_DTYPES[name.rsplit("_", 1)[1]])


def _typed_default(dtype: np.dtype, default_float, default_int64, default_string):
    if dtype == object:
        return default_string
    return default_float if dtype.kind == "f" else default_int64


@kernel("LabelEncoder", domain="ai.onnx.ml", since=4)
def label_encoder_4(
    x, *, default_float=-0.0, default_int64=-1, default_string="_Unused", default_tensor=None,
    keys_floats=None, keys_int64s=None, keys_strings=None, keys_tensor=None,
    values_floats=None, values_int64s=None, values_strings=None, values_tensor=None,
):
    key_name, keys = _chosen(4, keys_floats=keys_floats, keys_int64s=keys_int64s, keys_strings=keys_strings, keys_tensor=keys_tensor)
    value_name, values = _chosen(4, values_floats=values_floats, values_int64s=values_int64s,
                                 values_strings=values_strings, values_tensor=values_tensor)
    if keys is None or values is None:
        raise ValueError("LabelEncoder-4 needs one keys_* and one values_* attribute")
    values = _as_array(value_name, values)
    if value_name == "values_tensor" and default_tensor is not None:
        if np.size(default_tensor) != 1:
            raise ValueError(f"LabelEncoder: default_tensor must hold one element, got shape {np.shape(default_tensor)}")
        default = np.asarray(default_tensor).reshape(-1)[0]
    elif value_name == "values_tensor":
        # the spec's defaults by type: "_Unused", -1, -0.0
        default = _typed_default(values.dtype, -0.0, -1, "_Unused")
    else:
        default = _typed_default(values.dtype, default_float, default_int64, default_string)
    return _encode(x, _as_array(key_name, keys), values, default, keep="last")


@kernel("LabelEncoder", domain="ai.onnx.ml", since=2, until=3)
def label_encoder_2(
    x, *, default_float=-0.0, default_int64=-1, default_string="_Unused",
    keys_floats=None, keys_int64s=None, keys_strings=None,
    values_floats=None, values_int64s=None, values_strings=None,
):
    key_name, keys = _chosen(2, keys_floats=keys_floats, keys_int64s=keys_int64s, keys_strings=keys_strings)
    value_name, values = _chosen(2, values_floats=values_floats, values_int64s=values_int64s, values_strings=values_strings)
    if keys is None or values is None:
        raise ValueError("LabelEncoder-2 needs one keys_* and one values_* attribute")
    values = _as_array(value_name, values)
    default = _typed_default(values.dtype, default_float, default_int64, default_string)
    return _encode(x, _as_array(key_name, keys), values, default, keep="first")


@kernel("LabelEncoder", domain="ai.onnx.ml", since=1, until=1)
def label_encoder_1(x, *, classes_strings=None, default_int64=-1, default_string="_Unused"):
    classes = np.array(classes_strings or [], dtype=object)
    if x.dtype.kind in "OUS":  # string -> its index in classes_strings (the last one when repeated)
        return _encode(x, classes, np.arange(len(classes), dtype=np.int64), default_int64, keep="last")
    if x.dtype != np.int64:
        raise ValueError(f"LabelEncoder-1: input must be string or int64, got {x.dtype}")
    inside = (x >= 0) & (x < len(classes))
    out = np.full(x.shape, default_string, dtype=object)
    out[inside] = classes[x[inside]]
    return out
