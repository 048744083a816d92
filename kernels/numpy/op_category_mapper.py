"""CategoryMapper (ai.onnx.ml 1): map strings to int64 and int64 to strings through the pairs
(``cats_strings[i]``, ``cats_int64s[i]``).

A string X gives int64 (``default_int64`` where not found); an int64 X gives strings
(``default_string`` where not found). The two lists must have the same length. For a key listed
twice onnxruntime (1.32) keeps the last pair; refrt does too.
"""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._string_util import as_strings, map_strings


@kernel("CategoryMapper", domain="ai.onnx.ml", since=1, prepare=True)
def category_mapper(*, cats_int64s=None, cats_strings=None, default_int64=-1, default_string="_Unused"):
    ints = list(cats_int64s or [])
    strings = list(cats_strings or [])
    if len(ints) != len(strings):
        raise ValueError(f"CategoryMapper: cats_int64s has {len(ints)} values, cats_strings {len(strings)}")
    to_int: dict[str, int] = {}
    to_str: dict[int, str] = {}
    for s, i in zip(strings, ints):
        to_int[s] = i  # a repeated key keeps its last pair
        to_str[i] = s
    keys = np.array(sorted(to_str), dtype=np.int64)
    values = np.empty(len(keys), dtype=object)
    values[:] = [to_str[k] for k in keys.tolist()]

    def run(x):
        if x.dtype.kind in "OUS":
            return map_strings(lambda s: to_int.get(s, default_int64), as_strings(x, "CategoryMapper", "X"),
                               dtype=np.int64)
        if x.dtype != np.int64:
            raise ValueError(f"CategoryMapper: X must be string or int64, got {x.dtype}")
        out = np.full(x.shape, default_string, dtype=object)
        if len(keys):
            at = np.minimum(np.searchsorted(keys, x), len(keys) - 1)
            found = keys[at] == x
            out[found] = values[at[found]]
        return out

    return run
