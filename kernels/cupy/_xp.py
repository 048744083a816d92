"""Shared by the CUDA provider's kernels: the device module of the inputs, host round trips, dtypes.

Every kernel here computes with ``xp = array_namespace(...)`` of its inputs: ``cupy`` on a GPU, the
NumPy stand-in device module in the CPU tests. Only functions both offer are used (asarray, empty,
zeros, matmul, ufuncs, reductions, reshape / transpose / slicing methods); CUDA source
(ElementwiseKernel) is built only where ``xp`` compiles it (``compiles_cuda``: cupy, or the
cuda-emulator stand-in of refrt/device.py), and each such kernel has an xp
path computing the same formula, so the CPU tests check the math.

Cases a kernel leaves to its NumPy counterpart run through ``on_host``: the inputs go to the host,
the NumPy kernel runs, the results come back. That is a copy each way inside the node (not a plan
transfer step), so it is kept to rare cases (narrow or integer types where the device has no path)
and each kernel's docstring names them.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from refrt.device import array_namespace

# The float types the device paths compute in; float16 widens to float32 inside, as the NumPy kernels do.
FLOATS = (np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64))
# The types CUDA source is generated for (float16 goes through the xp path, widened to float32).
# How often each NumPy kernel ran through ``on_host`` in this process (tests read it).
HOST_RUNS: Counter = Counter()
CUDA_FLOATS = {np.dtype(np.float32): "float", np.dtype(np.float64): "double"}


def compiles_cuda(xp) -> bool:
    """Whether ``xp`` builds CUDA source (``ElementwiseKernel``): cupy, and the stand-in that emulates it."""
    return hasattr(xp, "ElementwiseKernel")


def is_host(a) -> bool:
    return a is None or a.__class__ is np.ndarray or isinstance(a, (np.generic, int, float, bool))


def to_host(a):
    """``a`` as a NumPy array (None stays None): a device array goes through its module's asnumpy."""
    if a is None:
        return None
    if a.__class__ is np.ndarray:
        return a
    if isinstance(a, (np.generic, int, float, bool, list, tuple)):
        return np.asarray(a)
    return array_namespace(a).asnumpy(a)


def host_ints(a) -> list[int]:
    """A small integer tensor (shape, axes, starts ...) as Python ints, wherever it lives."""
    return [int(v) for v in np.asarray(to_host(a)).reshape(-1)]


def device_of(*arrays):
    """The device module of the first device array among ``arrays`` (None: all on the host)."""
    for a in arrays:
        if a is not None and not is_host(a):
            return array_namespace(a)
    return None


def to_device(xp, a):
    """``a`` on ``xp``'s device (a host array is uploaded; None stays None)."""
    if a is None or xp is None:
        return a
    return xp.asarray(a) if is_host(a) else a


def on_host(numpy_kernel, *inputs, **attrs):
    """Run ``numpy_kernel`` on host copies of ``inputs`` and bring its result(s) back to the device."""
    xp = device_of(*inputs)
    HOST_RUNS[numpy_kernel.__qualname__] += 1
    result = numpy_kernel(*(to_host(a) for a in inputs), **attrs)
    if xp is None:
        return result
    if isinstance(result, tuple):
        return tuple(to_device(xp, r) for r in result)
    return to_device(xp, result)


def compute_dtype(dtype) -> np.dtype:
    """float16 (and bfloat16) compute in float32; float32 / float64 stay."""
    dtype = np.dtype(dtype)
    return np.dtype(np.float32) if dtype.kind == "f" and dtype.itemsize < 4 else dtype


def all_floats(*arrays) -> bool:
    """Every given array (None skipped) is float16/32/64 and of the first one's type."""
    first = next(a for a in arrays if a is not None)
    return first.dtype in FLOATS and all(a is None or a.dtype == first.dtype for a in arrays)
