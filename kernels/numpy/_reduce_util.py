"""Shared helpers of the reductions, ArgMax/ArgMin and the softmax family: axes checking, sums and
products in the widened type, the 2-D view that softmax used before opset 13, and the value an empty
reduction yields."""

from __future__ import annotations

import math

import numpy as np

from ._elementwise_util import as_array, finite_range, is_float, narrow


def reduction_axes(axes, ndim: int, op: str, noop_with_empty_axes: int = 0) -> tuple[int, ...]:
    """The sorted, distinct, non-negative axes to reduce.

    ``axes`` is the attribute (a list), the input (a 1-D int64 tensor) or None. No axes means every
    axis, unless noop_with_empty_axes asks for none: then the reduction runs over no axis at all, so
    ReduceL1 still takes |x| and ReduceSumSquare x*x (as onnxruntime and onnx's reference do).
    Repeated axes count once (onnxruntime).
    """
    given = [] if axes is None else np.asarray(axes).reshape(-1).tolist()
    if not given:
        return () if noop_with_empty_axes else tuple(range(ndim))
    out = set()
    for a in given:
        if not -ndim <= a < ndim:
            raise ValueError(f"{op}: axis {a} is out of range for a tensor of rank {ndim}")
        out.add(a % ndim)
    return tuple(sorted(out))


def accumulate(fn, xw: np.ndarray, axes: tuple[int, ...], keepdims, dtype: np.dtype) -> np.ndarray:
    """``fn`` (np.sum, np.prod) of ``xw`` over ``axes``, accumulated in xw's own type (the widened one:
    float16 sums in float32) and cast back to the node's type ``dtype``."""
    return as_array(narrow(fn(xw, axis=axes, keepdims=bool(keepdims), dtype=xw.dtype), dtype))


def of_sum(fn, xw: np.ndarray, axes: tuple[int, ...], keepdims, dtype: np.dtype) -> np.ndarray:
    """``fn`` (np.sqrt, np.log) of the sum of ``xw`` over ``axes`` (accumulated in xw's type), in the
    node's type ``dtype``: for integers ``fn`` of the integer sum in float64, truncated back like a C
    cast (as onnxruntime does)."""
    total = as_array(np.sum(xw, axis=axes, keepdims=bool(keepdims), dtype=xw.dtype))
    if not is_float(dtype):
        return as_array(fn(total.astype(np.float64)).astype(dtype))
    return as_array(narrow(fn(total, out=total), dtype))


def reduced_count(shape: tuple[int, ...], axes: tuple[int, ...]) -> int:
    """How many elements each output element of a reduction over ``axes`` sums up."""
    return math.prod(shape[a] for a in axes)


def lowest(dtype: np.dtype):
    """The identity of max: -inf for floats, the smallest value otherwise (the spec's empty max)."""
    return -np.inf if is_float(dtype) else finite_range(dtype)[0]


def highest(dtype: np.dtype):
    """The identity of min: +inf for floats, the largest value otherwise (the spec's empty min)."""
    return np.inf if is_float(dtype) else finite_range(dtype)[1]


def normalize_axis(axis: int, ndim: int, op: str, *, allow_end: bool = False) -> int:
    """``axis`` in [0, ndim) (or [0, ndim] with allow_end), negative values counting from the back."""
    top = ndim + 1 if allow_end else ndim
    if not -ndim <= axis < top:
        raise ValueError(f"{op}: axis {axis} is out of range for a tensor of rank {ndim}")
    return axis + ndim if axis < 0 else axis


def as_2d(x: np.ndarray, axis: int, op: str) -> np.ndarray:
    """Before opset 13, softmax-like ops see x as [prod(shape[:axis]), prod(shape[axis:])]."""
    axis = normalize_axis(axis, x.ndim, op, allow_end=True)
    return x.reshape(math.prod(x.shape[:axis]), math.prod(x.shape[axis:]))


def arg_extreme(fn, data: np.ndarray, axis: int, keepdims: int, select_last_index: int, op: str) -> np.ndarray:
    """ArgMax / ArgMin: the first (or with select_last_index the last) index of the extreme, int64."""
    axis = normalize_axis(axis, data.ndim, op)
    n = data.shape[axis]
    if n == 0:
        raise ValueError(f"{op}: cannot take it over axis {axis} of size 0 (input shape {data.shape})")
    if select_last_index:
        idx = fn(np.flip(data, axis), axis=axis, keepdims=bool(keepdims))
        idx = (n - 1) - idx
    else:
        idx = fn(data, axis=axis, keepdims=bool(keepdims))
    return as_array(idx).astype(np.int64, copy=False)
