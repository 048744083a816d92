"""InstanceNormalization: normalise each (sample, channel) plane over its spatial axes.

y = (x - mean) / sqrt(var + epsilon) * scale[c] + B[c]. Revision 1 also has consumed_inputs
(a hint for old runtimes, ignored); 6 drops it; 22 adds types.
"""

from __future__ import annotations

import math

from refrt.registry import kernel

from ._conv_util import as_compute
from ._norm_util import standardize_rows


@kernel("InstanceNormalization", since=6)
def instance_normalization(x, scale, b, *, epsilon=9.999999747378752e-06):
    if x.ndim < 3:
        raise ValueError(f"InstanceNormalization expects input of rank >= 3, got shape {x.shape}")
    n, c = x.shape[:2]
    if scale.shape != (c,) or b.shape != (c,):
        raise ValueError(
            f"InstanceNormalization: scale and B must have shape ({c},), got {scale.shape} and {b.shape}"
        )
    normalized, _, _ = standardize_rows(as_compute(x).reshape(n * c, math.prod(x.shape[2:])), epsilon)
    y = normalized.reshape(x.shape)
    per_channel = (c,) + (1,) * (x.ndim - 2)
    y *= as_compute(scale).reshape(per_channel)
    y += as_compute(b).reshape(per_channel)
    return y.astype(x.dtype, copy=False)


@kernel("InstanceNormalization", since=1, until=5)
def instance_normalization_1(x, scale, b, *, consumed_inputs=None, epsilon=9.999999747378752e-06):
    return instance_normalization(x, scale, b, epsilon=epsilon)
