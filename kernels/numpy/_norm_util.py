"""Helpers shared by the normalisations that take a stash_type (Layer, Group, RMS)."""

from __future__ import annotations

import numpy as np
from onnx import TensorProto, helper


def stash_dtype(stash_type: int) -> np.dtype:
    """The NumPy dtype of an ONNX element type: the precision of the statistics."""
    try:
        dtype = np.dtype(helper.tensor_dtype_to_np_dtype(int(stash_type)))
    except (KeyError, ValueError, TypeError):
        raise ValueError(f"stash_type {stash_type} is not an ONNX element type") from None
    if dtype.kind not in "fV" or int(stash_type) in (TensorProto.COMPLEX64, TensorProto.COMPLEX128):
        raise ValueError(f"stash_type must be a floating point type, got {TensorProto.DataType.Name(stash_type)}")
    return dtype


def compute_for_stash(stash: np.dtype, x_dtype: np.dtype) -> np.dtype:
    """The precision of stage one: at least float32 (bfloat16 statistics are computed in float32,
    then rounded), and float64 for float64 inputs whatever the stash type, as onnxruntime does."""
    if stash == np.float64 or x_dtype == np.float64:
        return np.dtype(np.float64)
    return np.dtype(np.float32)


def trailing_axes(rank: int, axis: int, op: str) -> tuple[int, ...]:
    """The axes from ``axis`` (may be negative) to the last: the ones a norm reduces over."""
    if not -rank <= axis < rank:
        raise ValueError(f"{op}: axis {axis} is out of range for an input of rank {rank}")
    axis %= rank
    return tuple(range(axis, rank))


def standardize_rows(rows: np.ndarray, epsilon: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each row of a 2-D array minus its mean, over sqrt(its variance + epsilon).

    Returns (a new array, safe to scale in place; the means; the 1/std), all in rows' dtype. The
    variance comes from one einsum over the centred rows, with no squared temporary.
    """
    mean = rows.mean(axis=1)
    centered = rows - mean[:, None]
    var = np.einsum("ij,ij->i", centered, centered) / max(rows.shape[1], 1)
    inv_std = 1.0 / np.sqrt(var + epsilon)
    centered *= inv_std[:, None]
    return centered, mean, inv_std
