"""Clip (11+) on the device: minimum(maximum(x, min), max) with the optional bounds read to the host
(scalars); float types. Other types and revisions run as _elementwise.py says."""

from __future__ import annotations

import numpy as np

from refrt.kernels.numpy.op_clip import clip as _numpy_clip
from refrt.registry import kernel

from ._xp import FLOATS, array_namespace, on_host, to_host


@kernel("Clip", since=11)
def clip(x, min=None, max=None):
    if x.dtype not in FLOATS:
        return on_host(_numpy_clip, x, min, max)
    xp = array_namespace(x)
    y = x
    with np.errstate(all="ignore"):
        if min is not None:
            y = xp.maximum(y, x.dtype.type(to_host(min).reshape(())))
        if max is not None:
            y = xp.minimum(y, x.dtype.type(to_host(max).reshape(())))
    return y.copy() if y is x else y
