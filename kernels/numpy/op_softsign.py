"""Softsign: x / (1 + |x|)."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array, narrow, scratch, widen


@kernel("Softsign", since=1)
@np.errstate(invalid="ignore")  # infinities give NaN where IEEE says so, as in onnxruntime
def softsign(x):
    xw = widen(x)
    d = scratch(np.absolute(xw))
    d += 1
    return as_array(narrow(np.divide(xw, d, out=d), x.dtype))
