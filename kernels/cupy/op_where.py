"""Where (9+) on the device: xp.where with broadcasting (a host operand is uploaded first)."""

from __future__ import annotations

from refrt.kernels.numpy.op_where import where as _numpy_where
from refrt.registry import kernel

from ._elementwise import NUMERIC
from ._xp import device_of, on_host, to_device


@kernel("Where", since=9)
def where(condition, x, y):
    if x.dtype != y.dtype or x.dtype not in NUMERIC or condition.dtype.kind != "b":
        return on_host(_numpy_where, condition, x, y)
    xp = device_of(condition, x, y)
    return xp.where(*(to_device(xp, a) for a in (condition, x, y)))
