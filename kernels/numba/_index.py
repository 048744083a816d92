"""Compiled loops shared by the Numba provider's index kernels: TopK, NonMaxSuppression, GatherElements,
ScatterElements, GatherND and ScatterND (see each op module for what it compiles and its timings).

Gathers and plain scatters only move elements, so they run on the bits: any dtype of 1, 2, 4 or 8 bytes
is viewed as the unsigned integer of that size (``as_bits``), one compiled loop per element size instead
of one per dtype, and the result is bit for bit the NumPy kernel's. Index checks happen inside the
loops: a loop returns False on an out-of-range index and the caller hands the inputs to the NumPy
kernel, which raises its own error.
"""

from __future__ import annotations

import numpy as np

from ._jit import njit

_BITS = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


def as_bits(a: np.ndarray) -> np.ndarray | None:
    """``a`` (C-contiguous) viewed as unsigned integers of its element size; None for other sizes or
    object/string arrays."""
    if a.dtype.kind not in "biufc" or a.dtype.itemsize not in _BITS:
        return None
    return a.view(_BITS[a.dtype.itemsize])


def index_array(indices) -> np.ndarray | None:
    """Indices as a C-contiguous int64 or int32 array (the two index types ONNX allows), else None."""
    if not isinstance(indices, np.ndarray) or indices.dtype not in (np.int64, np.int32):
        return None
    return np.ascontiguousarray(indices)


# -- GatherElements / ScatterElements over (outer, axis, inner) views -----------------------------------

@njit
def gather_elements3(data, idx, out):
    """out[o, k, i] = data[o, idx[o, k, i], i] (negative indices wrap once); False on a bad index."""
    n_o, n_k, n_i = idx.shape
    d = data.shape[1]
    for o in range(n_o):
        for k in range(n_k):
            for i in range(n_i):
                j = idx[o, k, i]
                if j < 0:
                    j += d
                if j < 0 or j >= d:
                    return False
                out[o, k, i] = data[o, j, i]
    return True


@njit
def check_indices3(idx, d):
    n_o, n_k, n_i = idx.shape
    for o in range(n_o):
        for k in range(n_k):
            for i in range(n_i):
                j = idx[o, k, i]
                if j < -d or j >= d:
                    return False
    return True


RED_NONE, RED_ADD, RED_MUL, RED_MAX, RED_MIN = 0, 1, 2, 3, 4
REDUCTIONS = {"none": RED_NONE, "add": RED_ADD, "mul": RED_MUL, "max": RED_MAX, "min": RED_MIN}
ARITHMETIC = (np.float32, np.float64, np.int32, np.int64)  # the dtypes the reducing scatters compile for


def scatter_operands(data: np.ndarray, updates: np.ndarray, reduction: str):
    """(out, o, u) for a compiled scatter: ``out`` a C-contiguous copy of data to scatter into, ``o`` and
    ``u`` what the loop takes for it and for the updates: their raw bits (``as_bits``) for reduction
    "none", the arrays themselves for a reduction (ARITHMETIC dtypes only); None where not compiled."""
    if reduction != "none" and data.dtype not in ARITHMETIC:
        return None
    out = np.array(data, order="C")
    upd = np.ascontiguousarray(updates)
    if reduction != "none":
        return out, out, upd
    o, u = as_bits(out), as_bits(upd)
    return None if o is None else (out, o, u)


@njit
def _reduce(a, b, red):
    """a (op) b as np.add / np.multiply / np.maximum / np.minimum compute it (NaN propagates)."""
    if red == RED_ADD:
        return a + b
    if red == RED_MUL:
        return a * b
    if a != a:
        return a
    if b != b:
        return b
    if red == RED_MAX:
        return a if a >= b else b
    return a if a <= b else b


@njit
def scatter_elements3(out, idx, upd, red):
    """out[o, idx[o, k, i], i] (op)= upd[o, k, i] in the indices' C order (as ufunc.at applies them);
    the indices were checked before (check_indices3), so ``out`` is only touched when all are valid."""
    n_o, n_k, n_i = idx.shape
    d = out.shape[1]
    for o in range(n_o):
        for k in range(n_k):
            for i in range(n_i):
                j = idx[o, k, i]
                if j < 0:
                    j += d
                if red == RED_NONE:
                    out[o, j, i] = upd[o, k, i]
                else:
                    out[o, j, i] = _reduce(out[o, j, i], upd[o, k, i], red)


# -- GatherND / ScatterND over (batch, tuples, m) indices and flattened slices ----------------------------

@njit
def nd_rows(idx, dims, strides, per_batch, rows):
    """rows[b, t] = the flat slice number that index tuple idx[b, t] addresses in batch b (each
    batch holds ``per_batch`` slices; negative indices wrap once); False on a bad index."""
    n_b, n_t, m = idx.shape
    for b in range(n_b):
        for t in range(n_t):
            r = b * per_batch
            for j in range(m):
                v = idx[b, t, j]
                if v < 0:
                    v += dims[j]
                if v < 0 or v >= dims[j]:
                    return False
                r += v * strides[j]
            rows[b, t] = r
    return True


@njit
def gather_rows(data, rows, out):
    """out[t, :] = data[rows[t], :] (data and out 2-D: slices as rows)."""
    w = data.shape[1]
    for t in range(rows.shape[0]):
        r = rows[t]
        for s in range(w):
            out[t, s] = data[r, s]


@njit
def scatter_rows(out, rows, upd, red):
    """out[rows[t], :] (op)= upd[t, :], tuples in order (as ufunc.at applies them)."""
    w = out.shape[1]
    for t in range(rows.shape[0]):
        r = rows[t]
        if red == RED_NONE:
            for s in range(w):
                out[r, s] = upd[t, s]
        else:
            for s in range(w):
                out[r, s] = _reduce(out[r, s], upd[t, s], red)


# -- TopK ---------------------------------------------------------------------------------------------

@njit
def _better(a, b, largest):
    """a ranks strictly before b (at a higher index): NumPy's stable argsort puts NaN after every
    number, so NaN counts as the largest value (largest=1) and as the largest too when the smallest
    are wanted (it comes last); equal values, NaNs among them, keep the lower index first."""
    if largest:
        return a > b or (a != a and b == b)
    return a < b or (a == a and b != b)


@njit
def _after(av, ai, bv, bi, largest):
    """(av, ai) ranks after (bv, bi): a worse value, or an equal one at a higher index."""
    if _better(bv, av, largest):
        return True
    return ai > bi and not _better(av, bv, largest)


@njit
def _sift_down(hv, hi, m, p, largest):
    """Restore the heap (the worst-ranked entry on top) below position p of the first m entries."""
    while True:
        c = 2 * p + 1
        if c >= m:
            return
        if c + 1 < m and _after(hv[c + 1], hi[c + 1], hv[c], hi[c], largest):
            c += 1
        if not _after(hv[c], hi[c], hv[p], hi[p], largest):
            return
        hv[p], hv[c] = hv[c], hv[p]
        hi[p], hi[c] = hi[c], hi[p]
        p = c


@njit
def top_k3(x, k, largest, vals, idx, budget):
    """The k best of x[o, :, i] in rank order into vals[o, :, i] and idx[o, :, i]: one pass per row over
    a heap of the best k seen so far with the worst on top; an element enters only if it ranks
    strictly before the top (it has a higher index than every kept one, so a tie stays out). Popping
    the heap fills the output from the back. Returns False (the caller sorts instead) once more than
    ``budget`` elements of a row entered the heap: nearly sorted rows, where a full sort is cheap."""
    n_o, n, n_i = x.shape
    hv = np.empty(k, x.dtype)
    hi = np.empty(k, np.int64)
    for o in range(n_o):
        for i in range(n_i):
            for j in range(k):
                hv[j] = x[o, j, i]
                hi[j] = j
            for p in range(k // 2 - 1, -1, -1):
                _sift_down(hv, hi, k, p, largest)
            top = hv[0]
            entered = 0
            for j in range(k, n):
                v = x[o, j, i]
                if _better(v, top, largest):
                    entered += 1
                    if entered > budget:
                        return False
                    hv[0] = v
                    hi[0] = j
                    _sift_down(hv, hi, k, 0, largest)
                    top = hv[0]
            for m in range(k - 1, -1, -1):
                vals[o, m, i] = hv[0]
                idx[o, m, i] = hi[0]
                hv[0] = hv[m]
                hi[0] = hi[m]
                _sift_down(hv, hi, m, 0, largest)
    return True


# -- NonMaxSuppression --------------------------------------------------------------------------------

@njit
def _min(a, b):
    if a != a or b != b:  # np.minimum / np.maximum propagate NaN
        return a + b
    return a if a <= b else b


@njit
def _max(a, b):
    if a != a or b != b:
        return a + b
    return a if a >= b else b


@njit
def nms_rows(order, alive, row_batch, y0, x0, y1, x1, areas, iou_thr, limit, kept, counts):
    """Greedy NMS of every row (one (batch, class) pair): candidates in ``order`` (descending score),
    the first live one not suppressed by any kept box is kept, up to ``limit`` a row. The same test as
    kernels/numpy/op_non_max_suppression.py, in the same float operations: a candidate dies when
    ih > 0, iw > 0, inter > 0, both areas > 0, union > 0 and inter / union > iou_thr."""
    n_rows, width = order.shape
    for r in range(n_rows):
        b = row_batch[r]
        c = 0
        for p in range(width):
            if c >= limit:
                break
            if not alive[r, p]:
                continue
            q = order[r, p]
            qy0, qx0, qy1, qx1, qa = y0[b, q], x0[b, q], y1[b, q], x1[b, q], areas[b, q]
            dead = False
            for s in range(c):
                t = kept[r, s]
                ky0, kx0, ky1, kx1, ka = y0[b, t], x0[b, t], y1[b, t], x1[b, t], areas[b, t]
                ih = _min(ky1, qy1) - _max(ky0, qy0)
                iw = _min(kx1, qx1) - _max(kx0, qx0)
                inter = ih * iw
                union = ka + qa - inter
                if ih > 0 and iw > 0 and inter > 0 and ka > 0 and qa > 0 and union > 0:
                    if inter / union > iou_thr:
                        dead = True
                        break
            if not dead:
                kept[r, c] = q
                c += 1
        counts[r] = c
