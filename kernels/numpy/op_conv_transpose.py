"""ConvTranspose: the gradient of Conv with respect to its input ("deconvolution").

Each input pixel scatters W times its value into the output: one (batched) matmul gives every
pixel's contribution for every kernel offset (the columns), and col2im adds them into place with a
loop over kernel offsets. Revisions 1, 11 and 22 differ only in wording and types.
"""

from __future__ import annotations

import math

import numpy as np

from refrt.registry import kernel

from ._conv_util import as_compute, check_auto_pad, spatial_list


def _transpose_pads(in_shape, kernel, strides, dilations, pads, output_padding, output_shape, auto_pad):
    """(pad_begin, pad_end, out_shape) per spatial axis, following the ONNX spec.

    The uncropped output spans (in-1)*stride + output_padding + (kernel-1)*dilation + 1; pads crop
    it. When output_shape is given (or auto_pad is SAME_*, which asks for in*stride), the total
    padding is whatever makes that size, split evenly with the odd one at the beginning, except
    for SAME_UPPER, which puts it at the end.
    """
    rank = len(in_shape)
    full = [
        (n - 1) * s + op + (k - 1) * d + 1
        for n, s, op, k, d in zip(in_shape, strides, output_padding, kernel, dilations)
    ]
    if output_shape is not None and len(output_shape):
        target = [int(v) for v in output_shape][-rank:]
        if len(target) != rank:
            raise ValueError(f"ConvTranspose: output_shape {list(output_shape)} must give {rank} spatial sizes")
    elif auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        target = [n * s for n, s in zip(in_shape, strides)]
    else:
        if auto_pad == "VALID" or pads is None or len(pads) == 0:
            begin, end = [0] * rank, [0] * rank
        else:
            if len(pads) != 2 * rank:
                raise ValueError(f"ConvTranspose: pads {list(pads)} must have two values per spatial axis")
            begin, end = [int(p) for p in pads[:rank]], [int(p) for p in pads[rank:]]
        out = [f - b - e for f, b, e in zip(full, begin, end)]
        if any(o < 0 for o in out):
            raise ValueError(f"ConvTranspose: pads {list(pads)} leave a negative output shape {out}")
        return begin, end, out
    total = [f - t for f, t in zip(full, target)]
    if auto_pad == "SAME_UPPER":
        begin = [t // 2 for t in total]
    else:
        begin = [t - t // 2 for t in total]
    end = [t - b for t, b in zip(total, begin)]
    return begin, end, target


@kernel("ConvTranspose", since=1)
def conv_transpose(
    x, w, b=None, *, auto_pad="NOTSET", dilations=None, group=1, kernel_shape=None, output_padding=None,
    output_shape=None, pads=None, strides=None,
):
    if x.ndim < 3 or w.ndim != x.ndim:
        raise ValueError(f"ConvTranspose expects X and W of the same rank >= 3, got X {x.shape} and W {w.shape}")
    n, c = x.shape[:2]
    if group < 1 or c % group != 0 or w.shape[0] != c:
        raise ValueError(f"ConvTranspose: X has {c} channels, W {w.shape} (group={group}) expects W.shape[0] == {c}")
    if kernel_shape is not None and len(kernel_shape) and list(kernel_shape) != list(w.shape[2:]):
        raise ValueError(f"ConvTranspose: kernel_shape {list(kernel_shape)} does not match W's {list(w.shape[2:])}")
    rank = x.ndim - 2
    m_per_group = w.shape[1]
    m = m_per_group * group
    if b is not None and b.shape != (m,):
        raise ValueError(f"ConvTranspose: B must have shape ({m},), got {b.shape}")
    kernel_dims = tuple(w.shape[2:])
    in_shape = x.shape[2:]
    strides = spatial_list(strides, rank, 1, "strides")
    dilations = spatial_list(dilations, rank, 1, "dilations")
    output_padding = [0] * rank if not output_padding else [int(v) for v in output_padding]
    if len(output_padding) != rank:
        raise ValueError(f"ConvTranspose: output_padding {output_padding} must have one value per spatial axis")
    begin, _, out_shape = _transpose_pads(
        in_shape, kernel_dims, strides, dilations, pads, output_padding, output_shape, check_auto_pad(auto_pad)
    )

    xc = as_compute(x)
    wc = as_compute(w).astype(xc.dtype, copy=False)
    taps = math.prod(kernel_dims)
    pixels = math.prod(in_shape)
    c_per_group = c // group
    # Columns: (G, M/G*K, C/G) @ (N, G, C/G, P) -> (N, G, M/G*K, P), each pixel's contribution per offset.
    w_cols = wc.reshape(group, c_per_group, m_per_group * taps).transpose(0, 2, 1)
    cols = np.matmul(w_cols, xc.reshape(n, group, c_per_group, pixels))
    cols = cols.reshape((n, m) + kernel_dims + tuple(in_shape))

    # col2im into a buffer that holds both the scattered span and the cropped output; `lead` makes
    # room before it for a negative begin padding (an output_shape past the uncropped size).
    lead, size = [], []
    for n_in, s, k, d, bg, o in zip(in_shape, strides, kernel_dims, dilations, begin, out_shape):
        lead.append(max(0, -bg))
        size.append(lead[-1] + max((n_in - 1) * s + (k - 1) * d + 1, bg + o))
    buf = np.zeros((n, m) + tuple(size), dtype=xc.dtype)
    if x.size and w.size:
        for offset in np.ndindex(*kernel_dims):
            target = tuple(
                slice(ld + o * d, ld + o * d + s * (n_in - 1) + 1, s)
                for ld, o, d, s, n_in in zip(lead, offset, dilations, strides, in_shape)
            )
            buf[(slice(None), slice(None)) + target] += cols[(slice(None), slice(None)) + offset]
    crop = tuple(slice(ld + bg, ld + bg + o) for ld, bg, o in zip(lead, begin, out_shape))
    y = buf[(slice(None), slice(None)) + crop]
    if b is not None:
        y = y + as_compute(b).astype(y.dtype, copy=False).reshape((m,) + (1,) * rank)
    return np.ascontiguousarray(y).astype(x.dtype, copy=False)
