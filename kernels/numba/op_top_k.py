"""TopK on the Numba provider, every revision the NumPy provider registers (1-9 with the ``k``
attribute, 10 with the K input, 11+ with largest / sorted).

Compiled: float32 / float64 / int32 / int64 inputs, any axis (the input seen as (outer, n, inner)), with
k <= MAX_K: one pass per row keeps the best k seen so far in a heap (worst on top) (an element enters
only if it ranks strictly before the current k-th), where the NumPy kernel stably argsorts the whole
axis. The order is the NumPy kernel's exactly: descending (largest=1) or ascending, equal values keeping
the lower index first as ONNX says, NaN ranked after every number by the stable sort (so first when
the largest are wanted, last otherwise); ``sorted=0`` returns the sorted order too. Values and indices
are bit for bit the NumPy kernel's.
Delegated: other dtypes, k > MAX_K (not measured: a full sort is left to NumPy there), k = 0, empty or scalar
inputs and invalid k (the NumPy kernel raises).
Nearly sorted rows (ascending input with largest=1: every element enters the heap) would cost
O(n log k) heap work against NumPy's fast sort of presorted data, so a row whose heap takes in more
than 8k + n/16 elements stops the compiled pass and the NumPy kernel sorts instead.
Measured (float32, one thread, this shared 2-core VM, NumPy kernel -> compiled, largest and smallest):
1x1000 k=1..100: 38-52 -> 6-15 us; 1x30000 k=1..100: 2.8-3.8 ms -> 36-117 us; 8x1000 k=5:
410 -> 18 us; 1x80x8400 along axis 1 (strided rows), k=5: 26 -> 6 ms. Worst case, 1x30000 sorted
ascending, k=100 largest: 0.15-0.2 ms -> 0.43 ms (the abandoned pass, then NumPy's sort). First call
(compiling one dtype): ~0.8-1.7 s, then cached on disk.
"""

from __future__ import annotations

import math

import numpy as np

from refrt.kernels.numpy.op_top_k import top_k_1 as _np_top_k_1, top_k_10 as _np_top_k_10, top_k_11 as _np_top_k_11
from refrt.registry import kernel

from ._index import top_k3

MAX_K = 128
_DTYPES = (np.float32, np.float64, np.int32, np.int64)


def _fast(x, k, axis, largest):
    if not isinstance(x, np.ndarray) or x.dtype not in _DTYPES or x.ndim == 0 or x.size == 0:
        return None
    if isinstance(k, np.ndarray):
        if k.size != 1 or k.dtype.kind not in "iu":
            return None
        k = k.reshape(-1)[0]
    k, axis = int(k), int(axis)
    if not -x.ndim <= axis < x.ndim:
        return None
    axis %= x.ndim
    n = x.shape[axis]
    if not 0 < k <= min(n, MAX_K):
        return None
    outer = math.prod(x.shape[:axis])
    inner = math.prod(x.shape[axis + 1:])
    x3 = np.ascontiguousarray(x).reshape(outer, n, inner)
    shape = x.shape[:axis] + (k,) + x.shape[axis + 1:]
    vals = np.empty(shape, x.dtype)
    idx = np.empty(shape, np.int64)
    if not top_k3(x3, k, bool(largest), vals.reshape(outer, k, inner), idx.reshape(outer, k, inner),
                  8 * k + n // 16):
        return None
    return vals, idx


@kernel("TopK", since=1, until=9)
def top_k_1(x, *, axis=-1, k=None):
    if k is not None:
        r = _fast(x, k, axis, 1)
        if r is not None:
            return r
    return _np_top_k_1(x, axis=axis, k=k)


@kernel("TopK", since=10, until=10)
def top_k_10(x, k, *, axis=-1):
    r = _fast(x, k, axis, 1)
    return r if r is not None else _np_top_k_10(x, k, axis=axis)


@kernel("TopK", since=11)
def top_k_11(x, k, *, axis=-1, largest=1, sorted=1):
    r = _fast(x, k, axis, largest)
    return r if r is not None else _np_top_k_11(x, k, axis=axis, largest=largest, sorted=sorted)
