"""ArgMin: the index (int64) of the smallest value along an axis; the first one unless
select_last_index asks for the last."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._reduce_util import arg_extreme


@kernel("ArgMin", since=12)
def arg_min(data, *, axis=0, keepdims=1, select_last_index=0):
    return arg_extreme(np.argmin, data, axis, keepdims, select_last_index, "ArgMin")


@kernel("ArgMin", since=1, until=11)
def arg_min_11(data, *, axis=0, keepdims=1):
    """Before opset 12 ties always give the first index."""
    return arg_min(data, axis=axis, keepdims=keepdims)
