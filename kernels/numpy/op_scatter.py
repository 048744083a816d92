"""Scatter (deprecated since opset 11 in favour of ScatterElements, with the same meaning)."""

from __future__ import annotations

from refrt.registry import kernel

from ._scatter_util import scatter_elements_impl


@kernel("Scatter", since=9)
def scatter(data, indices, updates, *, axis=0):
    return scatter_elements_impl(data, indices, updates, axis, "none", ("none",), "Scatter")
