"""Squeeze: drop the given size-1 axes (all size-1 axes when none are given)."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._tensor_util import int_list, normalize_axes


def _squeeze(data, axes):
    if axes is None:
        return data.reshape([d for d in data.shape if d != 1])
    axes = normalize_axes(axes, data.ndim, "Squeeze axes")
    for a in axes:
        if data.shape[a] != 1:
            raise ValueError(f"Squeeze: axis {a} of shape {data.shape} has size {data.shape[a]}, not 1")
    return data.reshape([d for i, d in enumerate(data.shape) if i not in axes])


@kernel("Squeeze", since=1, until=12)
def squeeze_1(data, *, axes=None):
    return _squeeze(data, None if axes is None else [int(a) for a in axes])


@kernel("Squeeze", since=13)
def squeeze_13(data, axes=None):
    # An empty axes tensor squeezes every size-1 axis, as an absent one does (onnxruntime agrees).
    return _squeeze(data, None if axes is None or np.size(axes) == 0 else int_list(axes, "Squeeze axes"))
