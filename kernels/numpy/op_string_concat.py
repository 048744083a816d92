"""StringConcat: elementwise concatenation of two string tensors, with NumPy broadcasting."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._string_util import as_strings


@kernel("StringConcat", since=20)
def string_concat(x, y):
    # np.add on object arrays calls str.__add__ per pair, in C, and broadcasts like any ufunc.
    out = np.add(as_strings(x, "StringConcat", "X"), as_strings(y, "StringConcat", "Y"))
    return np.asarray(out, dtype=object)  # a 0-d result comes back from np.add as a bare str
