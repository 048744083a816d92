"""Pow: X ** Y, elementwise; the result has the base's type whatever the exponent's type."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array, is_float, legacy_broadcast, narrow, scratch, widen


@kernel("Pow", since=7)
@np.errstate(all="ignore")  # 0**-1 is inf, (-8)**0.5 NaN (IEEE); integer bases then cast them like C
def pow_(x, y):
    if is_float(x.dtype):
        xw = widen(x)
        return as_array(narrow(np.power(xw, y.astype(xw.dtype, copy=False)), x.dtype))
    # Integer bases: onnxruntime computes std::pow in double and truncates back to the base type.
    p = scratch(np.power(x.astype(np.float64), y.astype(np.float64)))
    return as_array(np.trunc(p, out=p).astype(x.dtype))


@kernel("Pow", since=1, until=6)
def pow_legacy(x, y, *, axis=None, broadcast=0):
    """Before opset 7 Y broadcasts onto X only with broadcast=1 (see legacy_broadcast)."""
    return pow_(x, legacy_broadcast(x, y, broadcast, axis, "Pow"))
