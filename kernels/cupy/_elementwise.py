"""Elementwise basics on the device: each op is the xp function of the same name (one CuPy ufunc
launch), for the types listed per op; any other type runs the NumPy kernel on the host."""

from __future__ import annotations

import numpy as np

from ._xp import FLOATS, array_namespace, device_of, on_host, to_device

NUMERIC = FLOATS + tuple(np.dtype(t) for t in (np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16,
                                                np.uint32, np.uint64))


def unary(xp_formula, numpy_kernel, dtypes=FLOATS):
    """A kernel: ``xp_formula(xp, x)`` on the device for ``dtypes``, else the NumPy kernel on the host."""

    def run(x):
        if x.dtype not in dtypes:
            return on_host(numpy_kernel, x)
        with np.errstate(all="ignore"):
            return xp_formula(array_namespace(x), x)

    return run


def binary(xp_name: str, numpy_kernel, dtypes=FLOATS):
    """A kernel: ``xp.<xp_name>(a, b)`` (broadcasting) when both are of one type in ``dtypes``."""

    def run(a, b):
        if a.dtype != b.dtype or a.dtype not in dtypes:
            return on_host(numpy_kernel, a, b)
        xp = device_of(a, b)
        with np.errstate(all="ignore"):
            return getattr(xp, xp_name)(to_device(xp, a), to_device(xp, b))

    return run
