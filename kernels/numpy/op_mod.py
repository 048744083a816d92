"""Mod: A mod B, elementwise. fmod=0 takes the sign of B (floor), fmod=1 the sign of A (C fmod)."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array, is_float, narrow, widen


@kernel("Mod", since=28)
@np.errstate(divide="ignore", invalid="ignore")  # x mod 0 and inf mod y are NaN, as the spec says
def mod(a, b, *, fmod=0):
    if fmod not in (0, 1):
        raise ValueError(f"Mod: fmod must be 0 or 1, got {fmod}")
    if not is_float(a.dtype):
        if np.any(b == 0):
            raise ValueError("Mod: integer modulo by zero")
        return as_array(np.fmod(a, b) if fmod else np.mod(a, b))
    aw = widen(a)
    r = np.fmod(aw, widen(b)) if fmod else np.mod(aw, widen(b))
    return as_array(narrow(r, a.dtype))


@kernel("Mod", since=10, until=27)
def mod_10(a, b, *, fmod=0):
    """Floor modulo of floats arrived at opset 28; before, floats needed fmod=1."""
    if fmod == 0 and is_float(a.dtype):
        raise ValueError(f"Mod: fmod must be 1 for floating-point inputs before opset 28, got fmod=0 and {a.dtype}")
    return mod(a, b, fmod=fmod)
