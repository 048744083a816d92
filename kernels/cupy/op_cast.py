"""Cast (6-18) on the device for the plain numeric cases: to float16/32/64 from any float, integer or
bool type, and to integer / bool from integer or bool types (xp astype: exact there, as NumPy's).
Float to integer (NaN / overflow rules), strings, bfloat16 and the float8 types of later revisions
run the NumPy kernel on the host; Cast 1-5 and 19+ stay with the CPU provider (the plan transfers)."""

from __future__ import annotations

import numpy as np
from onnx import helper

from refrt.kernels.numpy.op_cast import cast_6 as _numpy_cast_6
from refrt.registry import kernel

from ._elementwise import NUMERIC
from ._xp import FLOATS, on_host

_SOURCES = NUMERIC + (np.dtype(bool),)


@kernel("Cast", since=6, until=18)
def cast_6(input, *, to=None):
    try:
        target = np.dtype(helper.tensor_dtype_to_np_dtype(int(to)))
    except (TypeError, ValueError, KeyError):
        return on_host(_numpy_cast_6, input, to=to)
    if input.dtype not in _SOURCES or target not in _SOURCES or (
            input.dtype.kind == "f" and target not in FLOATS):
        return on_host(_numpy_cast_6, input, to=to)
    return input.astype(target)
