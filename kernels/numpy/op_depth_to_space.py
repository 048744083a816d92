"""DepthToSpace: move blocks of channels into blocksize x blocksize spatial tiles (DCR or CRD order)."""

from __future__ import annotations

from refrt.registry import kernel

from ._tensor_util import block_dims


def _depth_to_space(x, blocksize: int, mode: str):
    b, c, h, w, bs = block_dims(x, blocksize, "DepthToSpace")
    if c % (bs * bs):
        raise ValueError(f"DepthToSpace: channels {c} are not divisible by blocksize^2 = {bs * bs}")
    if mode == "DCR":
        tmp = x.reshape(b, bs, bs, c // (bs * bs), h, w).transpose(0, 3, 4, 1, 5, 2)
    elif mode == "CRD":
        tmp = x.reshape(b, c // (bs * bs), bs, bs, h, w).transpose(0, 1, 4, 2, 5, 3)
    else:
        raise ValueError(f"DepthToSpace: unsupported mode '{mode}' (expected DCR or CRD)")
    return tmp.reshape(b, c // (bs * bs), h * bs, w * bs)


@kernel("DepthToSpace", since=1, until=10)
def depth_to_space_1(x, *, blocksize=None):
    return _depth_to_space(x, blocksize, "DCR")


@kernel("DepthToSpace", since=11)
def depth_to_space_11(x, *, blocksize=None, mode="DCR"):
    return _depth_to_space(x, blocksize, mode)
