"""BitCast: the input's bits read as another type of the same width (little endian, as NumPy's
native order on the machines refrt runs on)."""

from __future__ import annotations

import ml_dtypes
import numpy as np

from refrt.registry import kernel

from ._quant_util import np_type

# ml_dtypes keeps each sub-byte value in the low bits of its own byte.
_SUB_BYTE_BITS = {
    np.dtype(t): bits
    for bits, types in ((4, (ml_dtypes.int4, ml_dtypes.uint4, ml_dtypes.float4_e2m1fn)),
                        (2, (ml_dtypes.int2, ml_dtypes.uint2)))
    for t in types
}


def _bits(dtype: np.dtype) -> int:
    return _SUB_BYTE_BITS.get(dtype, dtype.itemsize * 8)


@kernel("BitCast", since=26)
def bit_cast(x, *, to=None):
    if to is None:
        raise ValueError("BitCast: the 'to' attribute is required")
    if x.dtype.kind in "OUS":
        raise ValueError("BitCast: string tensors have no fixed bit width")
    target = np_type(to, "BitCast to")
    if target.kind in "OUS":
        raise ValueError("BitCast: cannot cast to string")
    if _bits(x.dtype) != _bits(target):
        raise ValueError(f"BitCast: {x.dtype} has {_bits(x.dtype)} bits but {target} has {_bits(target)}")
    if x.dtype in _SUB_BYTE_BITS:
        # Keep only the value's own bits: a signed value's byte is sign-extended.
        code = x.view(np.uint8) & np.uint8((1 << _bits(x.dtype)) - 1)
        return code.view(target)
    if target == np.bool_:
        return x.view(np.uint8) != 0  # any non-zero byte is true; keep bools canonical
    return x.view(target)
