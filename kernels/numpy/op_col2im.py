"""Col2Im: the inverse of im2col (PyTorch's fold). Column blocks (N, C * prod(block_shape), L) are
summed back into an image (N, C, *image_shape): each kernel offset adds one strided slab, so the
loop runs over the few kernel offsets, never over pixels."""

from __future__ import annotations

import math

import numpy as np

from refrt.registry import kernel

from ._conv_util import as_compute, geometry
from ._tensor_util import int_list


@kernel("Col2Im", since=18)
def col2im(x, image_shape, block_shape, *, dilations=None, pads=None, strides=None):
    op = "Col2Im"
    if x.dtype.kind in "OUS":
        raise ValueError(f"{op}: string tensors cannot be summed")
    image = int_list(image_shape, f"{op} image_shape")
    block = int_list(block_shape, f"{op} block_shape")
    if len(image) != len(block) or not image:
        raise ValueError(f"{op}: image_shape {image} and block_shape {block} must have the same, non-zero length")
    if x.ndim != 3:
        raise ValueError(f"{op}: input must have shape (N, C * prod(block_shape), L), got {x.shape}")
    taps = math.prod(block)
    if taps <= 0 or x.shape[1] % taps:
        raise ValueError(f"{op}: input dimension 1 ({x.shape[1]}) is not a multiple of prod(block_shape) = {taps}")
    geo = geometry(image, block, strides=strides, dilations=dilations, pads=pads)
    n, c = x.shape[0], x.shape[1] // taps
    if x.shape[2] != math.prod(geo.out_shape):
        raise ValueError(
            f"{op}: input dimension 2 ({x.shape[2]}) must equal the number of blocks {list(geo.out_shape)} "
            f"= {math.prod(geo.out_shape)}"
        )
    cols = as_compute(x).reshape((n, c, taps) + geo.out_shape)  # float16/bfloat16 sum in float32
    padded = np.zeros((n, c) + tuple(d + b + e for d, b, e in zip(image, geo.begin, geo.end)), dtype=cols.dtype)
    for tap, (_, where) in enumerate(geo.offsets()):
        padded[where] += cols[:, :, tap]
    image_part = padded[(slice(None), slice(None)) + tuple(slice(b, b + d) for b, d in zip(geo.begin, image))]
    return image_part.astype(x.dtype, copy=False)
