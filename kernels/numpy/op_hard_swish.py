"""HardSwish: x * max(0, min(1, x / 6 + 1 / 2))."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array, narrow, scratch, widen


@kernel("HardSwish", since=14)
@np.errstate(invalid="ignore")  # infinities give NaN where IEEE says so, as in onnxruntime
def hard_swish(x):
    xw = widen(x)
    y = scratch(np.multiply(xw, 1 / 6))
    y += 0.5
    np.clip(y, 0, 1, out=y)
    y *= xw
    return as_array(narrow(y, x.dtype))
