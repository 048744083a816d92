"""IsInf: True where x is an infinity of a sign that detect_positive / detect_negative ask for."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array


@kernel("IsInf", since=10)
def is_inf(x, *, detect_negative=1, detect_positive=1):
    if detect_positive and detect_negative:
        return as_array(np.isinf(x))
    if detect_positive:
        return as_array(np.isposinf(x) if x.dtype.kind == "f" else np.isinf(x) & (x > 0))
    if detect_negative:
        return as_array(np.isneginf(x) if x.dtype.kind == "f" else np.isinf(x) & (x < 0))
    return np.zeros(x.shape, dtype=bool)
