"""SpaceToDepth: move blocksize x blocksize spatial tiles into channels (the inverse of DepthToSpace)."""

from __future__ import annotations

from refrt.registry import kernel

from ._tensor_util import block_dims


def _space_to_depth(x, blocksize: int, mode: str):
    b, c, h, w, bs = block_dims(x, blocksize, "SpaceToDepth")
    if h % bs or w % bs:
        raise ValueError(f"SpaceToDepth: height {h} and width {w} must be divisible by blocksize {bs}")
    tmp = x.reshape(b, c, h // bs, bs, w // bs, bs)
    if mode == "DCR":  # channel index = (row_offset * bs + col_offset) * C + c
        tmp = tmp.transpose(0, 3, 5, 1, 2, 4)
    elif mode == "CRD":  # channel index = (c * bs + row_offset) * bs + col_offset
        tmp = tmp.transpose(0, 1, 3, 5, 2, 4)
    else:
        raise ValueError(f"SpaceToDepth: unsupported mode '{mode}' (expected DCR or CRD)")
    return tmp.reshape(b, c * bs * bs, h // bs, w // bs)


@kernel("SpaceToDepth", since=1, until=27)
def space_to_depth_1(x, *, blocksize=None):
    return _space_to_depth(x, blocksize, "DCR")


@kernel("SpaceToDepth", since=28)
def space_to_depth_28(x, *, blocksize=None, mode="DCR"):
    return _space_to_depth(x, blocksize, mode)
