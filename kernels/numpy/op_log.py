"""Log: natural logarithm, elementwise (-inf at 0, NaN below)."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array


@kernel("Log", since=6)
@np.errstate(divide="ignore", invalid="ignore")
def log(x):
    return as_array(np.log(x))


@kernel("Log", since=1, until=5)
def log_1(x, *, consumed_inputs=None):
    """Opset 1's consumed_inputs was an in-place hint for old frameworks; it changes nothing."""
    return log(x)
