"""LayerNormalization on the Numba provider, the standard op (revision 17) and refrt's (what
fuse_layer_normalization makes of the primitive pattern below opset 17): each row (the axes from
``axis`` on, flattened) standardised, scaled and shifted in one compiled pass, rows in parallel
(prange) for large inputs.

Compiled: float32 X (C-contiguous), float32 Scale and B with exactly the normalised axes' elements
(leading 1s allowed), the default stash_type (float32); the standard op's Mean and InvStdDev outputs
too. The statistics are rounded to float32 as each NumPy kernel rounds them (the standard kernel
divides the sums by d, _fused_util.layer_norm_rows multiplies them by 1/d) but summed in float64
where NumPy sums float32 pairwise / by einsum: results agree with the NumPy kernels' to a few float32
ulp of the row's scale. Delegated to the NumPy kernels: other dtypes (float64, float16 ...), other
stash types, Scale/B broadcast within the normalised axes, empty rows.

Faster: one read and one write of X where the NumPy kernel makes ~8 passes (mean, subtract,
einsum, scale, shift, casts). One thread: (1, 128, 768) 0.20 ms (NumPy) -> 0.05 ms; (8, 128, 256)
0.45 -> 0.13 ms; first call compiles ~1.3 s (then numba's disk cache).
"""

from __future__ import annotations

import math

import numpy as np

from refrt.kernels.numpy.op_fused_layer_normalization import layer_normalization as _numpy_fused
from refrt.kernels.numpy.op_layer_normalization import layer_normalization as _numpy_standard
from refrt.registry import kernel

from ._elementwise import LAYER_NORM, f32_contiguous, pick


def _rows(x, axis: int) -> tuple[int, int] | None:
    """(rows, d) of x seen as 2-D at ``axis``, None when the axis is out of range or d is 0."""
    if not -x.ndim <= axis < x.ndim:
        return None
    start = axis % x.ndim
    d = math.prod(x.shape[start:])
    return (math.prod(x.shape[:start]), d) if d > 0 else None


def _scale_fits(v, inner: tuple) -> bool:
    """v (None, or Scale / B) covers the normalised axes ``inner`` element for element: its shape is
    inner's, leading 1s added or dropped, so that one flat index serves both."""
    if v is None:
        return True
    a, b = list(v.shape), list(inner)
    while a and a[0] == 1 and len(a) > len(b):
        a.pop(0)
    while b and b[0] == 1 and len(b) > len(a):
        b.pop(0)
    return a == b


def _layer_norm(x, scale, b, axis, epsilon, divide, want_stats):
    shape = _rows(x, axis)
    if shape is None or not f32_contiguous(x, scale, b):
        return None
    rows, d = shape
    inner = x.shape[axis % x.ndim:]
    if not (_scale_fits(scale, inner) and _scale_fits(b, inner)):
        return None
    out = np.empty_like(x)
    stats = np.empty((rows, 2) if want_stats else (1, 2), np.float32)
    scale = scale.reshape(-1)
    pick(LAYER_NORM, x.size)(x.reshape(-1), scale, scale if b is None else b.reshape(-1), out.reshape(-1), stats,
                             rows, d, np.float32(1.0 / d), np.float32(epsilon), divide, b is not None, want_stats)
    return out, stats


@kernel("LayerNormalization", since=17)
def layer_normalization(
    x, scale, b=None, *, axis=-1, epsilon=9.999999747378752e-06, stash_type=1, _output_used=(True,)
):
    done = _layer_norm(x, scale, b, axis, epsilon, True, len(_output_used) > 1) if stash_type == 1 else None
    if done is None:
        return _numpy_standard(x, scale, b, axis=axis, epsilon=epsilon, stash_type=stash_type, _output_used=_output_used)
    y, stats = done
    if len(_output_used) == 1:
        return y
    start = axis % x.ndim
    stats_shape = x.shape[:start] + (1,) * (x.ndim - start)
    return (y, stats[:, 0].reshape(stats_shape), stats[:, 1].reshape(stats_shape))[: len(_output_used)]


@kernel("LayerNormalization", domain="refrt", since=1)
def fused_layer_normalization(x, scale, b=None, *, axis=-1, epsilon=1e-05):
    done = _layer_norm(x, scale, b, axis, epsilon, False, False)
    if done is None:
        return _numpy_fused(x, scale, b, axis=axis, epsilon=epsilon)
    return done[0]
