"""Helpers shared by the sequence kernels: a sequence is a Python list of arrays."""

from __future__ import annotations

import numpy as np

__all__ = ["check_sequence", "position_of", "check_same_type"]


def check_sequence(value, what: str) -> list:
    """``value`` as a sequence (list of tensors); ValueError for a tensor or an empty optional."""
    if not isinstance(value, list):
        got = "an empty optional" if value is None else f"a {type(value).__name__}"
        raise ValueError(f"{what} must be a sequence of tensors, got {got}")
    return value


def position_of(position, length: int, what: str, *, end_allowed: bool = False) -> int:
    """A scalar position tensor as an index in [0, length) (or [0, length] with ``end_allowed``).

    Negative positions count back from the end, as in Python."""
    arr = np.asarray(position)
    if arr.size != 1 or arr.dtype.kind not in "iu":
        raise ValueError(f"{what} must be one int32 or int64 value, got {arr.dtype}{list(arr.shape)}")
    pos = int(arr.reshape(-1)[0])
    high = length if end_allowed else length - 1
    if not -length <= pos <= high:
        raise ValueError(
            f"{what} {pos} is out of range for a sequence of length {length} (expected [{-length}, {high}])"
        )
    return pos + length if pos < 0 else pos


def check_same_type(tensor: np.ndarray, sequence: list, what: str) -> None:
    """A tensor joining a sequence must share the element type of the tensors already there."""
    if not isinstance(tensor, np.ndarray):
        raise ValueError(f"{what} must be a tensor")
    if sequence and sequence[0].dtype != tensor.dtype:
        raise ValueError(f"{what} has type {tensor.dtype}, the sequence holds {sequence[0].dtype} tensors")
