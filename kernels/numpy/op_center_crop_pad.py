"""CenterCropPad: each listed axis cropped or zero-padded to the target length, centred. An odd
crop drops the extra element at the end; an odd pad adds the extra zero at the end."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._tensor_util import int_list, normalize_axes


@kernel("CenterCropPad", since=18)
def center_crop_pad(input_data, shape, *, axes=None):
    op = "CenterCropPad"
    target = int_list(shape, f"{op} shape")
    axes = list(range(input_data.ndim)) if axes is None else normalize_axes(axes, input_data.ndim, f"{op} axes")
    if len(target) != len(axes):
        raise ValueError(f"{op}: shape has {len(target)} values but there are {len(axes)} axes")
    if any(t < 0 for t in target):
        raise ValueError(f"{op}: target shape {target} must not be negative")
    out_shape = list(input_data.shape)
    src = [slice(None)] * input_data.ndim
    dst = [slice(None)] * input_data.ndim
    for a, t in zip(axes, target):
        n = input_data.shape[a]
        out_shape[a] = t
        if t < n:
            begin = (n - t) // 2
            src[a] = slice(begin, begin + t)
        elif t > n:
            begin = (t - n) // 2
            dst[a] = slice(begin, begin + n)
    if out_shape == list(input_data.shape):
        return input_data
    fill = "" if input_data.dtype.kind in "OUS" else 0
    out = np.full(out_shape, fill, dtype=input_data.dtype)
    out[tuple(dst)] = input_data[tuple(src)]
    return out
