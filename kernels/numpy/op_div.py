"""Div: A / B, elementwise; integer division truncates toward zero, as C and onnxruntime do."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array, int_div_trunc, legacy_broadcast


@kernel("Div", since=7)
@np.errstate(divide="ignore", invalid="ignore")  # x/0 is inf or NaN by IEEE, as in onnxruntime
def div(a, b):
    if a.dtype.kind in "iu":
        return np.asarray(int_div_trunc(a, b))
    return as_array(np.divide(a, b))


@kernel("Div", since=6, until=6)
def div_legacy(a, b, *, axis=None, broadcast=0):
    """Before opset 7 B broadcasts onto A only with broadcast=1 (see legacy_broadcast)."""
    return div(a, legacy_broadcast(a, b, broadcast, axis, "Div"))


@kernel("Div", since=1, until=5)
def div_1(a, b, *, axis=None, broadcast=0, consumed_inputs=None):
    """Opset 1's consumed_inputs was an in-place hint for old frameworks; it changes nothing."""
    return div_legacy(a, b, axis=axis, broadcast=broadcast)
