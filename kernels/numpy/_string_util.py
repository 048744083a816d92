"""Shared helpers of the string kernels: string tensors are object arrays of Python ``str``.

Work on strings is a call of a ``str`` method per element whatever the tool (``np.char`` and
``np.vectorize`` loop in Python too), so these helpers do the least per element: one list
comprehension over ``tolist()``, and dict look-ups, which beat sorting and ``searchsorted`` on
string arrays several times over.
"""

from __future__ import annotations

from typing import Callable, Iterable

import numpy as np


def as_strings(x: np.ndarray, op: str, name: str = "input") -> np.ndarray:
    """``x`` as an object array of ``str``; a NumPy ``U`` array is converted, bytes are decoded."""
    if x.dtype == object:
        return x
    if x.dtype.kind == "U":
        return x.astype(object)
    if x.dtype.kind == "S":
        return object_array([b.decode("utf-8") for b in x.ravel().tolist()], x.shape)
    raise ValueError(f"{op}: {name} must be a string tensor, got {x.dtype}")


def object_array(items: Iterable, shape: tuple) -> np.ndarray:
    """An object array of ``shape`` holding ``items`` (which may themselves be lists or tuples)."""
    items = list(items)
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out.reshape(shape)


def map_strings(fn: Callable[[str], object], x: np.ndarray, dtype=object) -> np.ndarray:
    """``fn`` applied to every element of the string tensor ``x``; same shape, ``dtype``."""
    flat = x.ravel().tolist()
    if dtype == object:
        return object_array([fn(s) for s in flat], x.shape)
    return np.fromiter((fn(s) for s in flat), dtype=dtype, count=len(flat)).reshape(x.shape)
