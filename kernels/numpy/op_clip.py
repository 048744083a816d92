"""Clip: x limited to [min, max]; NaN stays NaN.

An unset bound is the type's lowest / largest finite value (the spec's numeric_limits::lowest() and
max()), so infinities become finite, as in onnxruntime.
"""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array, finite_range, narrow


def _bound(value, x: np.ndarray, name: str, default):
    if value is None:
        return np.asarray(default, dtype=x.dtype)
    v = np.asarray(value)
    if v.size != 1:
        raise ValueError(f"Clip: {name} must be a scalar, got shape {v.shape}")
    with np.errstate(over="ignore"):  # float16 turns the float32-wide defaults of Clip-6 into +-inf
        return v.reshape(()).astype(x.dtype)


def _clip(x, low, high):
    lo, hi = finite_range(x.dtype)
    # narrow: ml_dtypes types (bfloat16) have no clip loop of their own and come back as float32.
    return as_array(narrow(np.clip(x, _bound(low, x, "min", lo), _bound(high, x, "max", hi)), x.dtype))


@kernel("Clip", since=11)
def clip(x, min=None, max=None):
    """From opset 11 the bounds are optional scalar inputs."""
    return _clip(x, min, max)


@kernel("Clip", since=6, until=10)
def clip_6(x, *, max=3.4028234663852886e38, min=-3.4028234663852886e38):
    return _clip(x, min, max)


@kernel("Clip", since=1, until=5)
def clip_1(x, *, max=None, min=None, consumed_inputs=None):
    return _clip(x, min, max)
