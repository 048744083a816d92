"""Shared by the ai.onnx.preview.training optimizers: scalar inputs and the grouping of variadic tensors."""

from __future__ import annotations

import numpy as np


def scalars(op: str, r, t) -> tuple[float, int]:
    """The learning rate R and the update count T as Python numbers (each must hold one element)."""
    for name, value in (("R", r), ("T", t)):
        if np.size(value) != 1:
            raise ValueError(f"{op}: {name} must be a scalar, got shape {np.shape(value)}")
    return float(np.asarray(r).reshape(())), int(np.asarray(t).reshape(()))


def groups(op: str, tensors: tuple, per_variable: int, names: str) -> list[tuple]:
    """The variadic inputs, X_1..X_n G_1..G_n ..., regrouped as one tuple (X_i, G_i, ...) per variable."""
    if not tensors or len(tensors) % per_variable:
        raise ValueError(f"{op}: after R and T the inputs must be {names} for each optimized tensor "
                         f"({per_variable} per tensor), got {len(tensors)}")
    n = len(tensors) // per_variable
    out = [tuple(tensors[k * n + i] for k in range(per_variable)) for i in range(n)]
    for group in out:
        x = group[0]
        for name, other in zip(names.split(", ")[1:], group[1:]):
            if other.shape != x.shape:
                raise ValueError(f"{op}: {name} has shape {other.shape}, its tensor X has {x.shape}")
    return out


def outputs(per_variable_results: list[tuple]) -> tuple:
    """Results per variable, (X_new_i, H_new_i ...), laid out as X_new_1..X_new_n, H_new_1..H_new_n ..."""
    return tuple(r for column in zip(*per_variable_results) for r in column)
