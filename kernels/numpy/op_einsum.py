"""Einsum: a sum of products over the indices an equation names (NumPy's einsum semantics;
implicit outputs list the once-seen letters in ASCII order, uppercase first, as the spec says)."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array, narrow, widen


@kernel("Einsum", since=12)
def einsum(*inputs, equation=None):
    if not equation:
        raise ValueError("Einsum: the equation attribute is missing")
    # optimize lets NumPy contract pairwise through BLAS (tensordot) instead of one nested loop.
    y = np.einsum(equation.replace(" ", ""), *(widen(t) for t in inputs), optimize=len(inputs) > 1)
    return as_array(narrow(np.asarray(y), inputs[0].dtype))
