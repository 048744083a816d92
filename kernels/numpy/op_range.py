"""Range: start, start + delta, ... up to limit (exclusive)."""

from __future__ import annotations

import math

import numpy as np

from refrt.registry import kernel

from ._tensor_util import check_allocation, scalar_of


def _range(start, limit, delta, work_dtype=None):
    out_dtype = np.asarray(start).dtype
    s, lim, d = (scalar_of(v, f"Range {n}") for v, n in ((start, "start"), (limit, "limit"), (delta, "delta")))
    if d == 0:
        raise ValueError("Range: delta may not be 0")
    work = np.dtype(work_dtype or out_dtype)
    if work.kind in "iu":
        n = max(-(-(int(lim) - int(s)) // int(d)), 0)  # exact ceil division for integers
    else:
        # onnxruntime subtracts in the element type, then divides in double.
        count = float(work.type(lim) - work.type(s)) / float(d)
        if not math.isfinite(count):
            raise ValueError(f"Range: start={s}, limit={lim}, delta={d} give no finite number of elements")
        n = max(math.ceil(count), 0)
    check_allocation([n], out_dtype, "Range output")
    if work.kind in "iu":
        return (np.arange(n, dtype=np.int64) * int(d) + int(s)).astype(out_dtype)
    # onnxruntime adds delta n times (value += delta) in the working type; numpy's accumulate is
    # sequential too, so cumsum reproduces its rounding exactly.
    steps = np.full(n, work.type(d), dtype=work)
    if n:
        steps[0] = work.type(s)
    return np.cumsum(steps, dtype=work).astype(out_dtype)


@kernel("Range", since=11, until=26)
def range_11(start, limit, delta):
    return _range(start, limit, delta)


@kernel("Range", since=27)
def range_27(start, limit, delta, *, stash_type=1):
    from onnx import helper

    dtype = np.asarray(start).dtype
    # stash_type picks the accumulation type for float16/bfloat16 only.
    low_precision = dtype == np.float16 or dtype.name == "bfloat16"
    return _range(start, limit, delta, helper.tensor_dtype_to_np_dtype(stash_type) if low_precision else None)
