"""Softmax on the Numba provider, every revision the NumPy provider registers: 13+ over one axis,
1-12 over all of shape[axis:] at once (the input seen as 2-D). One compiled pass per row (max,
exp and sum, divide), rows in parallel (prange) for large inputs.

Compiled: C-contiguous float32 whose reduced axes are the trailing ones (the last axis from 13 on;
always before 13), up to MAX_SIZE elements. As kernels/numpy/op_softmax.py: y = x - max,
exp(y) / sum(exp(y)) in float32, with libm's expf where NumPy uses its SIMD expf (an ulp apart at
most) and a float64 row sum where NumPy sums float32 pairwise: results agree to a few float32 ulp.
Delegated: other dtypes, another axis than the last (13+), empty inputs, and inputs above MAX_SIZE:
numba has no SIMD expf here (no SVML), so a scalar expf per element (~3 ns) loses to NumPy's
vectorised passes on large inputs ((1, 12, 128, 128), one thread: 1.16 ms compiled, 0.74 ms NumPy),
while the compiled call wins on small ones by skipping NumPy's per-pass overhead ((1, 1000): 9.8 us
against 11 us; (8, 10): 3.4 us against 8.6 us).
"""

from __future__ import annotations

import math

import numpy as np

from refrt.kernels.numpy._reduce_util import normalize_axis
from refrt.kernels.numpy.op_softmax import softmax as _numpy_softmax, softmax_2d as _numpy_softmax_2d
from refrt.registry import kernel

from ._elementwise import SOFTMAX, f32_contiguous, pick


# Softmax above this many elements stays NumPy's (see above); LogSoftmax, which NumPy computes with
# a temporary more, is compiled at every size (1, 12, 128, 128): 0.95 ms against 1.02 ms).
MAX_SIZE = 4096


def softmax_rows(x: np.ndarray, start: int, log: bool) -> np.ndarray | None:
    """(Log)Softmax of x over the axes from ``start`` on (x float32, C-contiguous); None if empty or
    (Softmax) too large to gain."""
    d = math.prod(x.shape[start:])
    if d == 0 or x.size == 0 or (not log and x.size > MAX_SIZE):
        return None
    out = np.empty_like(x)
    pick(SOFTMAX, x.size)(x.reshape(-1), out.reshape(-1), x.size // d, d, log)
    return out


def compiled_softmax(op: str, x, axis: int, *, log: bool, flat: bool) -> np.ndarray | None:
    """(Log)Softmax of x at ``axis`` on the compiled path, or None where the NumPy kernel runs: from
    revision 13 (``flat`` False) over that axis when it is the last one, before 13 (``flat``) over
    all of shape[axis:]; x a C-contiguous float32 array of rank >= 1 (``softmax_rows``' limits)."""
    if not f32_contiguous(x) or x.ndim == 0:
        return None
    if flat:
        return softmax_rows(x, normalize_axis(axis, x.ndim, op, allow_end=True), log)
    if normalize_axis(axis, x.ndim, op) != x.ndim - 1:
        return None
    return softmax_rows(x, x.ndim - 1, log)


@kernel("Softmax", since=13)
def softmax(x, *, axis=-1):
    y = compiled_softmax("Softmax", x, axis, log=False, flat=False)
    return _numpy_softmax(x, axis=axis) if y is None else y


@kernel("Softmax", since=1, until=12)
def softmax_2d(x, *, axis=1):
    y = compiled_softmax("Softmax", x, axis, log=False, flat=True)
    return _numpy_softmax_2d(x, axis=axis) if y is None else y
