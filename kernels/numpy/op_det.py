"""Det: determinants of the square matrices in the last two axes (LU factorisation, LAPACK)."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array, narrow, widen


@kernel("Det", since=11)
def det(x):
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        raise ValueError(f"Det needs square matrices in the last two axes, got shape {x.shape}")
    return as_array(narrow(as_array(np.linalg.det(widen(x))), x.dtype))
