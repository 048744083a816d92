"""DeformConv: a convolution whose kernel taps are moved, per output position, by learned offsets
(and optionally scaled by a mask), the input read there by bilinear interpolation (0 outside).

Like Conv's im2col: every kernel position is one vectorised bilinear gather over all output
positions of an offset group, producing columns (N, C*K, P); one grouped matmul with W finishes.
"""

from __future__ import annotations

from itertools import product

import numpy as np

from refrt.registry import kernel

from ._conv_util import as_compute, spatial_list


def _bilinear_columns(xf, dims, positions, work):
    """xf (N, Cg, S) sampled at positions (D arrays of shape (N, M)) -> (N, Cg, M), zeros outside."""
    n, cg, _ = xf.shape
    m = positions[0].shape[1]
    out = np.zeros((n, cg, m), work)
    floors = [np.floor(p) for p in positions]
    fracs = [(p - f).astype(work, copy=False) for p, f in zip(positions, floors)]
    floors = [f.astype(np.int64) for f in floors]
    strides = np.cumprod((1,) + tuple(dims[::-1]))[:-1][::-1]
    for bits in product((0, 1), repeat=len(dims)):
        index = np.zeros((n, m), np.int64)
        weight = np.ones((n, m), work)
        valid = np.ones((n, m), bool)
        for b, f, t, size, stride in zip(bits, floors, fracs, dims, strides):
            i = f + b
            valid &= (i >= 0) & (i < size)
            index += np.clip(i, 0, size - 1) * stride
            weight *= t if b else 1 - t
        weight = np.where(valid, weight, 0)
        out += np.take_along_axis(xf, index[:, None, :], axis=2) * weight[:, None, :]
    return out


@kernel("DeformConv", since=19)
def deform_conv(x, w, offset, b=None, mask=None, *, dilations=None, group=1, kernel_shape=None, offset_group=1,
                pads=None, strides=None):
    if x.ndim < 3:
        raise ValueError(f"DeformConv: X must have at least 3 dimensions, got shape {x.shape}")
    n, c = x.shape[:2]
    dims = x.shape[2:]
    rank = len(dims)
    kernel = list(w.shape[2:])
    if kernel_shape is not None and list(kernel_shape) != kernel:
        raise ValueError(f"DeformConv: kernel_shape {list(kernel_shape)} differs from W's {kernel}")
    oc = w.shape[0]
    if group < 1 or c != w.shape[1] * group or oc % group:
        raise ValueError(f"DeformConv: X {x.shape} and W {w.shape} do not fit group={group}")
    if offset_group < 1 or c % offset_group:
        raise ValueError(f"DeformConv: {c} channels cannot be split into offset_group={offset_group}")
    strides = spatial_list(strides, rank, 1, "strides")
    dilations = spatial_list(dilations, rank, 1, "dilations")
    pads = [0] * (2 * rank) if pads is None or len(pads) == 0 else [int(p) for p in pads]
    if len(pads) != 2 * rank:
        raise ValueError(f"DeformConv: pads {pads} must have two values per spatial axis")
    out_dims = [
        (size + pads[i] + pads[i + rank] - ((k - 1) * d + 1)) // s + 1
        for i, (size, k, d, s) in enumerate(zip(dims, kernel, dilations, strides))
    ]
    k_count = int(np.prod(kernel))
    want = (n, offset_group * k_count * rank, *out_dims)
    if offset.shape != want:
        raise ValueError(f"DeformConv: offset must have shape {want}, got {offset.shape}")
    if mask is not None and mask.shape != (n, offset_group * k_count, *out_dims):
        raise ValueError(f"DeformConv: mask must have shape {(n, offset_group * k_count, *out_dims)}, got {mask.shape}")
    xw = as_compute(x)
    work = xw.dtype
    p = int(np.prod(out_dims))
    off = as_compute(offset).reshape(n, offset_group, k_count, rank, p)
    msk = None if mask is None else as_compute(mask).reshape(n, offset_group, k_count, p)
    # Undeformed position of each tap: (K, P) per axis.
    out_grid = np.meshgrid(*(np.arange(o) for o in out_dims), indexing="ij")
    k_grid = np.meshgrid(*(np.arange(k) for k in kernel), indexing="ij")
    base = [
        (out_grid[a].reshape(1, -1) * strides[a] - pads[a] + k_grid[a].reshape(-1, 1) * dilations[a]).astype(work)
        for a in range(rank)
    ]
    cpg = c // offset_group
    cols = np.empty((n, c, k_count, p), work)
    xf = xw.reshape(n, c, -1)
    for g in range(offset_group):
        positions = [(base[a][None] + off[:, g, :, a, :]).reshape(n, -1) for a in range(rank)]
        sampled = _bilinear_columns(xf[:, g * cpg : (g + 1) * cpg], dims, positions, work).reshape(n, cpg, k_count, p)
        if msk is not None:
            sampled *= msk[:, g][:, None]
        cols[:, g * cpg : (g + 1) * cpg] = sampled
    ww = as_compute(w).reshape(group, oc // group, -1)  # (G, OCg, Cg*K)
    cols = cols.reshape(n, group, (c // group) * k_count, p)
    y = np.einsum("gok,ngkp->ngop", ww, cols, optimize=True).reshape(n, oc, *out_dims)
    if b is not None:
        y += as_compute(b).reshape((1, oc) + (1,) * rank)
    return y.astype(x.dtype, copy=False)
