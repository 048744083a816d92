"""Upsample (deprecated by Resize): asymmetric coordinates, nearest (floor) or (bi)linear, scales >= 1."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._resize_util import resize


def _upsample(x, scales, mode: str):
    scales = np.asarray(scales, dtype=np.float32).reshape(-1)
    if scales.size != x.ndim:
        raise ValueError(f"Upsample: {scales.size} scales for an input of rank {x.ndim}")
    if (scales < 1).any():
        raise ValueError(f"Upsample: scales must be >= 1, got {scales.tolist()}")
    if mode not in ("nearest", "linear"):
        raise ValueError(f"Upsample: unsupported mode '{mode}' (expected nearest or linear)")
    return resize(x, scales, None, None, mode=mode, coordinate_mode="asymmetric", nearest_mode=None, op="Upsample")


@kernel("Upsample", since=1, until=6)
def upsample_1(x, *, height_scale=None, mode="nearest", width_scale=None):
    # Revision 1 scales the H and W axes of an NCHW tensor; its linear mode is called "bilinear".
    if x.ndim != 4 or height_scale is None or width_scale is None:
        raise ValueError("Upsample-1 needs a 4-D input and the height_scale and width_scale attributes")
    return _upsample(x, [1.0, 1.0, height_scale, width_scale], "linear" if mode == "bilinear" else mode)


@kernel("Upsample", since=7, until=8)
def upsample_7(x, *, mode="nearest", scales=None):
    if scales is None:
        raise ValueError("Upsample-7 needs the 'scales' attribute")
    return _upsample(x, scales, mode)


@kernel("Upsample", since=9)
def upsample_9(x, scales, *, mode="nearest"):
    return _upsample(x, scales, mode)
