"""Softplus: log(exp(x) + 1), computed without overflow."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array, narrow, widen


@kernel("Softplus", since=1)
@np.errstate(invalid="ignore")  # infinities give NaN where IEEE says so, as in onnxruntime
def softplus(x):
    return as_array(narrow(np.logaddexp(widen(x), 0), x.dtype))
