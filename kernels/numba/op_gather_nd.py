"""GatherND on the Numba provider (11, and 12+ with batch_dims).

Compiled: C-contiguous data of any 1/2/4/8-byte dtype (moved as raw bits: bit for bit the NumPy
kernel's result) with int32 / int64 index tuples of length >= 1: one loop turns each tuple into a
slice number (wrapping negative indices, checking the range), a second copies the slices, where the
NumPy kernel makes checked, wrapped int64 copies of the indices and gathers with fancy indexing.
Delegated: empty tuples (m = 0), empty inputs or slices, other dtypes, invalid batch_dims or an
out-of-range index (the NumPy kernel raises).
Measured (one thread, this VM, NumPy kernel -> compiled): data 2x512x768 float32, indices 2x20x1 with
batch_dims=1 (row picks): 28 -> 14 us; data 100x100, 5000 point tuples: 173 -> 32 us.
"""

from __future__ import annotations

import math

import numpy as np

from refrt.kernels.numpy.op_gather_nd import gather_nd_11 as _np_11, gather_nd_12 as _np_12
from refrt.registry import kernel

from ._index import as_bits, gather_rows, index_array, nd_rows


def _fast(data, indices, b):
    if not isinstance(data, np.ndarray) or data.ndim < 1 or data.size == 0:
        return None
    idx = index_array(indices)
    if idx is None or idx.ndim < 1 or idx.size == 0:
        return None
    m = idx.shape[-1]
    if m == 0 or not 0 <= b < min(data.ndim, idx.ndim) or data.shape[:b] != idx.shape[:b] or b + m > data.ndim:
        return None
    bits = as_bits(np.ascontiguousarray(data))
    if bits is None:
        return None
    batch = math.prod(data.shape[:b])
    dims = np.array(data.shape[b:b + m], np.int64)
    per_batch = math.prod(data.shape[b:b + m])
    slice_len = math.prod(data.shape[b + m:])
    if slice_len == 0:
        return None
    strides = np.array([math.prod(data.shape[b + j + 1:b + m]) for j in range(m)], np.int64)
    n_tuples = math.prod(idx.shape[b:-1])
    rows = np.empty((batch, n_tuples), np.int64)
    if not nd_rows(idx.reshape(batch, n_tuples, m), dims, strides, per_batch, rows):
        return None
    out = np.empty(idx.shape[:-1] + data.shape[b + m:], data.dtype)
    gather_rows(bits.reshape(batch * per_batch, slice_len), rows.reshape(-1),
                as_bits(out).reshape(batch * n_tuples, slice_len))
    return out


@kernel("GatherND", since=11, until=11)
def gather_nd_11(data, indices):
    out = _fast(data, indices, 0)
    return out if out is not None else _np_11(data, indices)


@kernel("GatherND", since=12)
def gather_nd_12(data, indices, *, batch_dims=0):
    out = _fast(data, indices, int(batch_dims))
    return out if out is not None else _np_12(data, indices, batch_dims=batch_dims)
