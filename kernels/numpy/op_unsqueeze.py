"""Unsqueeze: insert size-1 axes at the given positions of the output."""

from __future__ import annotations

from refrt.registry import kernel

from ._tensor_util import int_list, normalize_axes


def _unsqueeze(data, axes):
    rank = data.ndim + len(axes)  # axes index the output, so negative ones count from its end
    axes = set(normalize_axes(axes, rank, "Unsqueeze axes"))
    dims = iter(data.shape)
    return data.reshape([1 if i in axes else next(dims) for i in range(rank)])


@kernel("Unsqueeze", since=1, until=12)
def unsqueeze_1(data, *, axes=None):
    if axes is None:
        raise ValueError("Unsqueeze-1 needs the 'axes' attribute")
    return _unsqueeze(data, [int(a) for a in axes])


@kernel("Unsqueeze", since=13)
def unsqueeze_13(data, axes):
    return _unsqueeze(data, int_list(axes, "Unsqueeze axes"))
