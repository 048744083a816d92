"""Atan: arctangent, elementwise."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array


@kernel("Atan", since=7)
def atan(x):
    return as_array(np.arctan(x))
