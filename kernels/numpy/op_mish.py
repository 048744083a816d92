"""Mish: x * tanh(softplus(x))."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array, narrow, scratch, widen


@kernel("Mish", since=18)
@np.errstate(invalid="ignore")  # infinities give NaN where IEEE says so, as in onnxruntime
def mish(x):
    xw = widen(x)
    y = scratch(np.logaddexp(xw, 0))
    np.tanh(y, out=y)
    y *= xw
    return as_array(narrow(y, x.dtype))
