"""Shared by the random ops: a generator per call (seeded when the node says so) and dtypes."""

from __future__ import annotations

import numpy as np

from refrt.types import np_dtype


def generator(seed: float | None) -> np.random.Generator:
    # A fresh generator per call keeps runs independent across threads; a seed makes them repeatable.
    return np.random.default_rng(None if seed is None else int(np.float32(seed).view(np.uint32)))


def output_dtype(dtype: int | None, like: np.ndarray | None = None) -> np.dtype:
    if dtype is not None:
        return np_dtype(dtype)
    return like.dtype if like is not None else np.dtype(np.float32)
