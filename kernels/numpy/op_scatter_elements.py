"""ScatterElements: out = copy(data); out[... index[i][j] ...][along axis] (op)= updates[i][j]."""

from __future__ import annotations

from refrt.registry import kernel

from ._scatter_util import scatter_elements_impl


@kernel("ScatterElements", since=11, until=15)
def scatter_elements_11(data, indices, updates, *, axis=0):
    return scatter_elements_impl(data, indices, updates, axis, "none", ("none",), "ScatterElements")


@kernel("ScatterElements", since=16, until=17)
def scatter_elements_16(data, indices, updates, *, axis=0, reduction="none"):
    return scatter_elements_impl(data, indices, updates, axis, reduction, ("none", "add", "mul"), "ScatterElements")


@kernel("ScatterElements", since=18)
def scatter_elements_18(data, indices, updates, *, axis=0, reduction="none"):
    return scatter_elements_impl(
        data, indices, updates, axis, reduction, ("none", "add", "mul", "max", "min"), "ScatterElements"
    )
