"""OneHotEncoder (ai.onnx.ml 1): Y[..., k] = 1.0 where X equals category k, float32, shape X.shape + [K].

Categories come from ``cats_int64s`` (numeric X; float and double X are truncated to int64 first,
as onnxruntime casts them) or ``cats_strings`` (string X); exactly one list must be set. A value
matching no category gives a row of zeros when ``zeros`` = 1 and is an error when ``zeros`` = 0.
As in onnxruntime (1.32): a category listed twice maps to its last position; numeric X against
``cats_strings`` (or string X against ``cats_int64s``) matches nothing. onnxruntime has no int32
kernel; refrt takes int32 too, as the schema allows. A NaN X matches nothing.
"""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._string_util import as_strings, map_strings


@kernel("OneHotEncoder", domain="ai.onnx.ml", since=1, prepare=True)
def one_hot_encoder(*, cats_int64s=None, cats_strings=None, zeros=1):
    ints = list(cats_int64s or [])
    strings = list(cats_strings or [])
    if bool(ints) == bool(strings):
        raise ValueError("OneHotEncoder: exactly one of cats_int64s and cats_strings must be set (and not empty)")
    n_cats = len(ints) or len(strings)
    table = {c: k for k, c in enumerate(ints or strings)}  # a repeated category keeps its last position
    keys = np.array(sorted(table), dtype=np.int64) if ints else None
    slots = np.array([table[k] for k in keys.tolist()], dtype=np.int64) if ints else None

    def run(x):
        if x.dtype.kind in "OUS":
            xs = as_strings(x, "OneHotEncoder", "X")
            pos = map_strings(lambda s: table.get(s, -1), xs, dtype=np.int64) if strings else np.full(x.shape, -1, np.int64)
        elif x.dtype.kind in "fiub":
            pos = np.full(x.shape, -1, dtype=np.int64)
            if ints:
                valid = np.isfinite(x) if x.dtype.kind == "f" else np.ones(x.shape, dtype=bool)
                v = np.where(valid, x, 0).astype(np.int64)
                at = np.minimum(np.searchsorted(keys, v), len(keys) - 1)
                found = valid & (keys[at] == v)
                pos[found] = slots[at[found]]
        else:
            raise ValueError(f"OneHotEncoder: X must be a string or numeric tensor, got {x.dtype}")
        missing = pos < 0
        if not zeros and missing.any():
            first = np.flatnonzero(missing.reshape(-1))[0]
            raise ValueError(f"OneHotEncoder: unknown category at flat index {first} and zeros = 0")
        out = (pos[..., None] == np.arange(n_cats)).astype(np.float32)
        return out

    return run
