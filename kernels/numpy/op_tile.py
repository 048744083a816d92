"""Tile: repeat the whole tensor ``repeats[i]`` times along each axis i."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._tensor_util import check_allocation, int_list, normalize_axis, scalar_of


def _tile(x, repeats: list[int]):
    if len(repeats) != x.ndim:
        raise ValueError(f"Tile: {len(repeats)} repeats for an input of rank {x.ndim}")
    if any(r < 0 for r in repeats):
        raise ValueError(f"Tile: repeats {repeats} must be >= 0")
    check_allocation([d * r for d, r in zip(x.shape, repeats)], x.dtype, "Tile output")
    return np.tile(x, repeats) if x.ndim else x.copy()


@kernel("Tile", since=1, until=5)
def tile_1(x, tiles, axis):
    # Revision 1 repeats along one axis, both given as scalar inputs.
    repeats = [1] * x.ndim
    repeats[normalize_axis(int(scalar_of(axis, "Tile axis")), x.ndim, "Tile axis")] = int(scalar_of(tiles, "Tile tiles"))
    return _tile(x, repeats)


@kernel("Tile", since=6)
def tile_6(x, repeats):
    return _tile(x, int_list(repeats, "Tile repeats"))
