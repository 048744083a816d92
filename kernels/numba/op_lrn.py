"""LRN on the Numba provider: float32/float64 compiled in one pass, the rest delegated.

Compiled: every rank >= 3 float32/float64 input. For each (image, channel) the squares of the channel
window are summed in the NumPy kernel's order (window offsets in order, starting from zero; channels
outside the tensor skipped, where the NumPy kernel adds its zero padding), then y = x / (bias + alpha /
size * sum) ** beta with the same float32 (or float64) constants and the same libm pow: identical
results (checked bit for bit in tests/test_numba_conv_pool.py). The NumPy kernel makes about ten
whole-array passes (squares, a padded copy, one add per offset, the scale, the power, the division);
this makes one, and splits the planes across the session's threads for large inputs. Measured (single
thread, float32): 64x56x56 3.4 -> 1.3 ms, 96x55x55 2.5 -> 1.9 ms, 192x56x56 5.0 -> 4.1 ms (there pow
dominates both). Delegated to kernels/numpy/op_lrn.py: float16 and other types, and every input it
must reject.
"""

from __future__ import annotations

import numpy as np

from refrt import intra_op
from refrt.kernels.numpy.op_lrn import lrn as numpy_lrn
from refrt.registry import kernel

from ._jit import PARALLEL_MIN_WORK, njit

FAST_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


@njit
def _lrn(x, y, first, last, size, before, coef, bias, beta):
    """Planes first..last (image * channels + channel) of x, y (N, C, pixels)."""
    ch, pix = x.shape[1], x.shape[2]
    acc = np.empty(pix, x.dtype)
    for t in range(first, last):
        n, c = t // ch, t % ch
        acc[:] = 0
        for o in range(size):
            cc = c - before + o
            if cc < 0 or cc >= ch:
                continue
            row = x[n, cc]
            for p in range(pix):
                v = row[p]
                acc[p] += v * v
        xr = x[n, c]
        yr = y[n, c]
        for p in range(pix):
            yr[p] = xr[p] / (bias + coef * acc[p]) ** beta


@kernel("LRN", since=1)
def lrn(x, *, alpha=9.999999747378752e-05, beta=0.75, bias=1.0, size=None):
    if x.dtype not in FAST_DTYPES or size is None or int(size) < 1 or x.ndim < 3 or not x.size:
        return numpy_lrn(x, alpha=alpha, beta=beta, bias=bias, size=size)
    size = int(size)
    t = x.dtype.type
    x3 = np.ascontiguousarray(x).reshape(x.shape[0], x.shape[1], -1)
    y = np.empty_like(x3)
    # The NumPy kernel's constants: alpha / size in double, rounded to x's type where it meets the array.
    args = (size, (size - 1) // 2, t(alpha / size), t(bias), t(beta))
    planes = x3.shape[0] * x3.shape[1]
    work = x.size * (size + 4)
    if work >= PARALLEL_MIN_WORK:
        intra_op.run_chunks(lambda a, b: _lrn(x3, y, a, b, *args), planes,
                            max(1, PARALLEL_MIN_WORK // 2 // max(1, x3.shape[2] * (size + 4))))
    else:
        _lrn(x3, y, 0, planes, *args)
    return y.reshape(x.shape)
