"""Conv: N-D convolution (cross-correlation) with groups, strides, dilations and padding.

Revisions 1, 11 and 22 differ only in wording and types, so one kernel serves them all.
"""

from __future__ import annotations

import math

import numpy as np

from refrt.registry import kernel

from ._conv_util import as_compute, geometry, pad_spatial, windows


def _check_shapes(x: np.ndarray, w: np.ndarray, b, group: int, kernel_shape) -> None:
    if x.ndim < 3 or w.ndim != x.ndim:
        raise ValueError(f"Conv expects X and W of the same rank >= 3, got X {x.shape} and W {w.shape}")
    if group < 1 or x.shape[1] != w.shape[1] * group:
        raise ValueError(
            f"Conv: X has {x.shape[1]} channels, but W {w.shape} with group={group} "
            f"expects {w.shape[1] * group}"
        )
    if w.shape[0] % group != 0:
        raise ValueError(f"Conv: W has {w.shape[0]} output channels, not divisible by group={group}")
    if kernel_shape is not None and len(kernel_shape) and list(kernel_shape) != list(w.shape[2:]):
        raise ValueError(f"Conv: kernel_shape {list(kernel_shape)} does not match W spatial shape {list(w.shape[2:])}")
    if b is not None and b.shape != (w.shape[0],):
        raise ValueError(f"Conv: B must have shape ({w.shape[0]},), got {b.shape}")


def _conv_im2col(xp: np.ndarray, w: np.ndarray, geo, group: int) -> np.ndarray:
    """im2col as a strided view of the padded input, then one (batched) matmul over all groups."""
    n, c = xp.shape[:2]
    m = w.shape[0]
    taps = math.prod(geo.kernel)
    pixels = math.prod(geo.out_shape)
    unit = all(k == 1 for k in geo.kernel) and all(s == 1 for s in geo.strides) and not geo.padded
    if unit:
        # A 1x1 stride-1 convolution is a plain matmul over the input as it lies: no copy.
        cols = xp.reshape(n, c, pixels)
    else:
        cols = windows(xp, geo).reshape(n, c * taps, pixels)
    if group == 1:
        return np.matmul(w.reshape(m, c * taps), cols)  # (M, K) @ (N, K, P) -> (N, M, P)
    # (G, M/G, K/G) @ (N, G, K/G, P) -> (N, G, M/G, P): each group multiplies its own rows.
    # Depthwise convolution (one channel per group) goes this way too: measured faster than a
    # sum over kernel offsets of shifted inputs times per-channel weights.
    cols = cols.reshape(n, group, (c // group) * taps, pixels)
    y = np.matmul(w.reshape(group, m // group, (c // group) * taps), cols)
    return y.reshape(n, m, pixels)


@kernel("Conv", since=1)
def conv(x, w, b=None, *, auto_pad="NOTSET", dilations=None, group=1, kernel_shape=None, pads=None, strides=None):
    """Convolution in the compute dtype (float16/bfloat16 widen to float32), result in X's type."""
    _check_shapes(x, w, b, group, kernel_shape)
    geo = geometry(x.shape[2:], w.shape[2:], strides=strides, dilations=dilations, pads=pads, auto_pad=auto_pad)
    xc = as_compute(x)
    n, m = x.shape[0], w.shape[0]
    if x.size == 0 or w.size == 0:
        y = np.zeros((n, m) + geo.out_shape, dtype=xc.dtype)
    else:
        xp = pad_spatial(xc, geo.begin, geo.end)
        y = _conv_im2col(xp, w.astype(xc.dtype, copy=False), geo, group).reshape((n, m) + geo.out_shape)
    if b is not None:
        y += b.astype(y.dtype, copy=False).reshape((m,) + (1,) * len(geo.out_shape))
    return y.astype(x.dtype, copy=False)
