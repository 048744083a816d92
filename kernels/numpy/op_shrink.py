"""Shrink: x + bias below -lambd, x - bias above lambd, 0 between."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array, is_float, narrow, widen


@kernel("Shrink", since=9)
def shrink(x, *, bias=0.0, lambd=0.5):
    # Integer inputs: onnxruntime computes in floating point and casts back, as a C cast would.
    xw = widen(x) if is_float(x.dtype) else x.astype(np.float64)
    y = np.where(xw < -lambd, xw + bias, np.where(xw > lambd, xw - bias, 0))
    return as_array(narrow(y, x.dtype))
