"""ReduceLogSumExp: log(sum(exp(x))) over the given axes (all by default); an empty one is -inf.

Computed as m + log(sum(exp(x - m))) with m the max, so that exp cannot overflow.
"""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array, is_float, narrow, widen
from ._reduce_util import reduction_axes


@kernel("ReduceLogSumExp", since=18)
@np.errstate(divide="ignore", invalid="ignore", over="ignore")
def reduce_log_sum_exp(data, axes=None, *, keepdims=1, noop_with_empty_axes=0):
    """From opset 18 the axes are an optional input (opset 28 drops the integer types)."""
    ax = reduction_axes(axes, data.ndim, "ReduceLogSumExp", noop_with_empty_axes)
    # Integers (opsets 1-27) go through float64 and are truncated back like a C cast.
    xw = widen(data) if is_float(data.dtype) else data.astype(np.float64)
    m = as_array(np.max(xw, axis=ax, keepdims=True, initial=-np.inf))
    m[~np.isfinite(m)] = 0  # all -inf (or empty): shifting by 0 keeps the sum's log at -inf
    y = np.exp(xw - m)
    total = as_array(np.sum(y, axis=ax, keepdims=True))
    np.log(total, out=total)
    total += m
    if not keepdims:
        total = total.reshape([d for i, d in enumerate(data.shape) if i not in ax])
    return as_array(narrow(total, data.dtype))


@kernel("ReduceLogSumExp", since=1, until=17)
def reduce_log_sum_exp_attr(data, *, axes=None, keepdims=1):
    return reduce_log_sum_exp(data, axes, keepdims=keepdims)
