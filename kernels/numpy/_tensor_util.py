"""Helpers shared by the tensor-manipulation kernels (axes, shape inputs, allocation guards)."""

from __future__ import annotations

from typing import Iterable

import numpy as np

from refrt.memory import check_allocation

__all__ = [
    "normalize_axis", "normalize_axes", "int_list", "scalar_of", "check_allocation", "compute_dtype", "checked_indices",
    "block_dims",
]


def normalize_axis(axis: int, rank: int, what: str = "axis") -> int:
    """``axis`` in [-rank, rank-1] mapped to [0, rank-1]; ValueError otherwise."""
    axis = int(axis)
    if not -rank <= axis < rank:
        raise ValueError(f"{what} {axis} is out of range for a tensor of rank {rank} (expected [{-rank}, {rank - 1}])")
    return axis + rank if axis < 0 else axis


def normalize_axes(axes: Iterable[int], rank: int, what: str = "axes") -> list[int]:
    """Each axis normalised as by :func:`normalize_axis`; repeated axes are an error."""
    out = [normalize_axis(a, rank, what) for a in axes]
    if len(set(out)) != len(out):
        raise ValueError(f"{what} {list(axes)} repeat an axis")
    return out


def int_list(values, what: str) -> list[int]:
    """A 1-D (or scalar) integer tensor input as a list of Python ints."""
    arr = np.asarray(values)
    if arr.ndim > 1:
        raise ValueError(f"{what} must be a 1-D tensor, got shape {arr.shape}")
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{what} must be an integer tensor, got {arr.dtype}")
    return [int(v) for v in arr.reshape(-1)]


def scalar_of(value, what: str):
    """The single element of a scalar or one-element tensor input."""
    arr = np.asarray(value)
    if arr.size != 1:
        raise ValueError(f"{what} must hold exactly one element, got shape {arr.shape}")
    return arr.reshape(())[()]


def block_dims(x, blocksize, op: str) -> tuple[int, int, int, int, int]:
    """(N, C, H, W, blocksize) of DepthToSpace's / SpaceToDepth's input, checked to be 4-D with a
    blocksize of at least 1."""
    if x.ndim != 4:
        raise ValueError(f"{op} needs a 4-D [N, C, H, W] input, got shape {x.shape}")
    if blocksize is None or blocksize < 1:
        raise ValueError(f"{op}: blocksize must be >= 1, got {blocksize}")
    b, c, h, w = x.shape
    return b, c, h, w, int(blocksize)


def compute_dtype(dtype: np.dtype) -> np.dtype:
    """The dtype to do arithmetic in: float16/bfloat16 widen to float32, others stay."""
    dtype = np.dtype(dtype)
    if dtype.kind == "V" or (dtype.kind == "f" and dtype.itemsize < 4):  # ml_dtypes' bfloat16 is kind "V"
        return np.dtype(np.float32)
    return dtype


def checked_indices(indices, dim: int, what: str) -> np.ndarray:
    """Integer indices in [-dim, dim-1] as non-negative int64; ValueError when one is out of range."""
    idx = np.asarray(indices).astype(np.int64, copy=False)
    if idx.size and (idx.min() < -dim or idx.max() >= dim):
        bad = idx[(idx < -dim) | (idx >= dim)].reshape(-1)[0]
        raise ValueError(
            f"{what}: index {bad} is out of bounds for a dimension of size {dim} (expected [{-dim}, {dim - 1}])"
        )
    return np.where(idx < 0, idx + dim, idx)
