"""IsInf: True where x is an infinity of a sign that detect_positive / detect_negative ask for."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel


@kernel("IsInf", since=10)
def is_inf(x, *, detect_negative=1, detect_positive=1):
    if detect_positive and detect_negative:
        return np.asarray(np.isinf(x))
    if detect_positive:
        return np.asarray(np.isposinf(x) if x.dtype.kind == "f" else np.isinf(x) & (x > 0))
    if detect_negative:
        return np.asarray(np.isneginf(x) if x.dtype.kind == "f" else np.isinf(x) & (x < 0))
    return np.zeros(x.shape, dtype=bool)
