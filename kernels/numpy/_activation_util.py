"""The activations fused kernels (FusedConv, FusedGemm, FusedMatMul) apply to their output, in place.

Each computes exactly what the standalone kernel computes (same formula, same order, so the
fused graph gives the same numbers), but overwrites the array it is given: the caller passes its
own fresh result, so the unfused chain's second full-size buffer is never allocated.
"""

from __future__ import annotations

import numpy as np

from ._elementwise_util import NARROW_FLOATS, finite_range, narrow, relu_into


def activate(y: np.ndarray, activation: str, params) -> np.ndarray:
    """``activation`` (with its ``params``) applied to ``y``, overwriting ``y`` where it can."""
    if not activation:
        return y
    apply = _APPLY.get(activation)
    if apply is None:
        raise ValueError(f"unknown fused activation {activation!r}")
    if y.dtype in NARROW_FLOATS:  # the standalone kernels compute these in float32, rounding once
        return narrow(apply(y.astype(np.float32), params), y.dtype)
    if not y.flags.writeable:
        y = y.copy()
    return apply(y, params)


def _relu(y, params):
    return relu_into(y, y)


def _clip(y, params):
    lo, hi = finite_range(y.dtype)  # an unset (NaN) bound is the type's finite limit, as in Clip
    low = lo if np.isnan(params[0]) else params[0]
    high = hi if np.isnan(params[1]) else params[1]
    with np.errstate(over="ignore"):
        return np.clip(y, np.asarray(low).astype(y.dtype), np.asarray(high).astype(y.dtype), out=y)


@np.errstate(over="ignore")  # exp(-x) overflows to inf for very negative x, giving the right 0
def _sigmoid(y, params):
    np.negative(y, out=y)
    np.exp(y, out=y)
    y += 1
    return np.reciprocal(y, out=y)


def _tanh(y, params):
    return np.tanh(y, out=y)


def _leaky_relu(y, params):
    below = np.minimum(y, 0)  # alpha * min(y, 0) + max(y, 0), as LeakyRelu computes it
    below *= params[0]
    np.maximum(y, 0, out=y)
    y += below
    return y


def _hard_sigmoid(y, params):
    y *= params[0]
    y += params[1]
    return np.clip(y, 0, 1, out=y)


_APPLY = {"Relu": _relu, "Clip": _clip, "Sigmoid": _sigmoid, "Tanh": _tanh, "LeakyRelu": _leaky_relu,
          "HardSigmoid": _hard_sigmoid}
