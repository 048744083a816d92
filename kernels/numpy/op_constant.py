"""Constant: the tensor held by whichever one value attribute the node sets."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel


def _tensor(value):
    arr = np.array(value)  # a copy: the attribute's array must not leak to callers who write to it
    if arr.dtype.kind in "OSU":  # string tensors are object arrays of str, as onnxruntime returns
        flat = [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in arr.reshape(-1)]
        arr = np.array(flat, dtype=object).reshape(arr.shape)
    return arr


def _densify(sparse):
    """A SparseTensorProto as a dense array (indices are linear, or one row of coordinates each)."""
    import onnx
    from onnx import numpy_helper

    if isinstance(sparse, np.ndarray):  # already made dense when the attribute was read
        return _tensor(sparse)
    if not isinstance(sparse, onnx.SparseTensorProto):
        raise ValueError(f"Constant: unsupported sparse_value of type {type(sparse).__name__}")
    values = numpy_helper.to_array(sparse.values)
    indices = numpy_helper.to_array(sparse.indices).astype(np.int64)
    dims = tuple(sparse.dims)
    if indices.ndim == 2:
        indices = np.ravel_multi_index(tuple(indices.T), dims)
    out = np.zeros(dims, dtype=values.dtype)
    out.reshape(-1)[indices.reshape(-1)] = values.reshape(-1)
    return _tensor(out)


def _one_of(**given):
    set_ = {k: v for k, v in given.items() if v is not None}
    if len(set_) != 1:
        raise ValueError(f"Constant needs exactly one value attribute, got {sorted(set_) or 'none'}")
    return next(iter(set_.items()))


@kernel("Constant", since=1, until=10)
def constant_1(*, value=None):
    if value is None:
        raise ValueError("Constant needs the 'value' attribute")
    return _tensor(value)


@kernel("Constant", since=11, until=11)
def constant_11(*, sparse_value=None, value=None):
    name, v = _one_of(sparse_value=sparse_value, value=value)
    return _densify(v) if name == "sparse_value" else _tensor(v)


@kernel("Constant", since=12)
def constant_12(*, sparse_value=None, value=None, value_float=None, value_floats=None, value_int=None,
                value_ints=None, value_string=None, value_strings=None):
    name, v = _one_of(sparse_value=sparse_value, value=value, value_float=value_float, value_floats=value_floats,
                      value_int=value_int, value_ints=value_ints, value_string=value_string,
                      value_strings=value_strings)
    if name == "sparse_value":
        return _densify(v)
    if name in ("value_float", "value_floats"):
        return np.array(v, dtype=np.float32)
    if name in ("value_int", "value_ints"):
        return np.array(v, dtype=np.int64)
    if name in ("value_string", "value_strings"):
        return _tensor(np.array(v, dtype=object))
    return _tensor(v)
