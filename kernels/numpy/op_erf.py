"""Erf: the error function, elementwise (vectorised; see _elementwise_util.erf)."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array, erf as _erf


@kernel("Erf", since=9)
def erf(x):
    if x.dtype.kind in "iu":
        # Integer inputs (opset 9-12): erf of the value, truncated back like a C cast.
        return as_array(_erf(x.astype(np.float64)).astype(x.dtype))
    return as_array(_erf(x))
