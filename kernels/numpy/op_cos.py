"""Cos: cosine, elementwise."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array


@kernel("Cos", since=7)
def cos(x):
    return as_array(np.cos(x))
