"""RMSNormalization on the Numba provider, the standard op (revision 23) and refrt's (what
fuse_rms_normalization makes of the primitive pattern below opset 23): x / sqrt(mean(x^2) + epsilon)
* scale over the axes from ``axis`` on, one compiled pass per row, rows in parallel (prange) for
large inputs.

Compiled: float32 X (C-contiguous), float32 Scale with exactly the normalised axes' elements (leading
1s allowed), the default stash_type. The mean square is rounded to float32 as each NumPy kernel
rounds it (divided by d in the standard kernel, times 1/d in refrt's) but summed in float64 where
NumPy's einsum sums float32: results agree to an ulp or two. Delegated to the NumPy kernels: other
dtypes, other stash types, other Scale shapes. Faster: one read and one write of X instead of ~5
passes: (1, 128, 768), one thread, 0.30 ms (NumPy) -> 0.03 ms.
"""

from __future__ import annotations

import numpy as np

from refrt.kernels.numpy.op_fused_rms_normalization import rms_normalization as _numpy_fused
from refrt.kernels.numpy.op_rms_normalization import rms_normalization as _numpy_standard
from refrt.registry import kernel

from ._elementwise import RMS_NORM, f32_contiguous, pick
from .op_layer_normalization import _rows, _scale_fits


def _rms(x, scale, axis, epsilon, divide):
    shape = _rows(x, axis)
    if shape is None or not f32_contiguous(x, scale) or not _scale_fits(scale, x.shape[axis % x.ndim:]):
        return None
    rows, d = shape
    out = np.empty_like(x)
    pick(RMS_NORM, x.size)(x.reshape(-1), scale.reshape(-1), out.reshape(-1), rows, d, np.float32(1.0 / d),
                           np.float32(epsilon), divide)
    return out


@kernel("RMSNormalization", since=23)
def rms_normalization(x, scale, *, axis=-1, epsilon=9.999999747378752e-06, stash_type=1):
    y = _rms(x, scale, axis, epsilon, True) if stash_type == 1 else None
    return _numpy_standard(x, scale, axis=axis, epsilon=epsilon, stash_type=stash_type) if y is None else y


@kernel("RMSNormalization", domain="refrt", since=1)
def fused_rms_normalization(x, scale, *, axis=-1, epsilon=1e-05):
    y = _rms(x, scale, axis, epsilon, False)
    return _numpy_fused(x, scale, axis=axis, epsilon=epsilon) if y is None else y
