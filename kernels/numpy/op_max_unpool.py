"""MaxUnpool: the partial inverse of MaxPool. Each value of X goes to the flat position its index
in I names within the output; the rest is 0. The output has the shape output_shape when given,
else the unpooled shape (N, C, (in - 1) * stride - pads + kernel ...). With output_shape the
indices are flat positions in that larger tensor, as MaxPool gives them for an input of that
shape: onnxruntime (since its PR #2193) and PyTorch's max_unpool read them so. onnx's reference
instead scatters into the unpooled shape and pads the result at the end, and so does its backend
case maxunpool_export_with_output_shape (listed in conformance/expected_failures.txt; onnxruntime
fails it too). Revision 11 only documents the default strides (1) and 22 adds bfloat16, so one
kernel serves all.
"""

from __future__ import annotations

import math

import numpy as np

from refrt.registry import kernel

from ._conv_util import spatial_list
from ._tensor_util import int_list


@kernel("MaxUnpool", since=9)
def max_unpool(x, i, output_shape=None, *, kernel_shape=None, pads=None, strides=None):
    op = "MaxUnpool"
    if kernel_shape is None:
        raise ValueError(f"{op}: kernel_shape attribute is required")
    if x.ndim < 3:
        raise ValueError(f"{op}: X must have rank >= 3 (N, C, spatial...), got shape {x.shape}")
    rank = x.ndim - 2
    kernel_ = spatial_list(kernel_shape, rank, 1, f"{op} kernel_shape")
    strides = spatial_list(strides, rank, 1, f"{op} strides")
    pads = [0] * (2 * rank) if pads is None or len(pads) == 0 else [int(p) for p in pads]
    if len(pads) != 2 * rank:
        raise ValueError(f"{op}: pads {pads} must have two values per spatial axis ({2 * rank})")
    if i.shape != x.shape:
        raise ValueError(f"{op}: I must have X's shape {x.shape}, got {i.shape}")
    inferred = x.shape[:2] + tuple(
        (n - 1) * s - (pads[a] + pads[a + rank]) + k for a, (n, s, k) in enumerate(zip(x.shape[2:], strides, kernel_))
    )
    if output_shape is None:
        shape = inferred
        if any(d < 0 for d in shape):
            raise ValueError(f"{op}: the unpooled shape {shape} has a negative dimension")
    else:
        shape = tuple(int_list(output_shape, f"{op} output_shape"))
        # As onnxruntime: same N and C as X, and at least the unpooled shape.
        if len(shape) != x.ndim or shape[:2] != x.shape[:2] or any(o < n for o, n in zip(shape, inferred)):
            raise ValueError(
                f"{op}: output_shape {list(shape)} must have rank {x.ndim}, X's batch and channel dimensions "
                f"{list(x.shape[:2])} and hold the unpooled shape {list(inferred)}"
            )
    total = math.prod(shape)
    idx = i.reshape(-1).astype(np.int64, copy=False)
    if idx.size and (idx.min() < 0 or idx.max() >= total):
        raise ValueError(f"{op}: indices must lie in [0, {total}) for the output shape {shape}")
    y = np.zeros(total, dtype=x.dtype)
    y[idx] = x.reshape(-1)
    return y.reshape(shape)
