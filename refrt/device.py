"""Devices of the CUDA execution provider: the array module a device computes with, and the copies
to and from it.

On a GPU the array module ``xp`` is ``cupy``. Machines without one test the same code paths with a
stand-in built on NumPy (``numpy-standin``): its arrays are :class:`FakeDeviceArray`, a type of their
own made only by the stand-in's functions and turned back into NumPy arrays only by ``asnumpy``, so a
test can see that values stay "on the device" between nodes and cross only where the plan says. The
stand-in is chosen only on request: the provider option ``{"device_module": "numpy-standin"}`` or
``REFRT_DEVICE_MODULE=numpy-standin`` (tests only), never as a silent fallback.

The stand-in keeps CuPy's rules, so that code which only works on NumPy arrays fails here as it would on
a GPU: a host ``numpy.ndarray`` mixed into a ufunc or an array function with device arrays is refused
(CuPy does not upload implicitly), and where CuPy is importable, a name CuPy lacks is refused too.
A second stand-in, ``cuda-emulator``, also has ``ElementwiseKernel``: the CUDA source the provider's
kernels generate is compiled for the CPU and run on the stand-in's arrays (and, where CuPy and ``nvcc``
are installed, CuPy's own code for it is compiled for the GPU): see refrt/cuda_emulator.py.

Kernels reuse one code path for both sides through :func:`array_namespace`::

    xp = array_namespace(x)          # numpy, cupy or the stand-in
    return xp.exp(x - x.max(axis=axis, keepdims=True))
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
import types
from typing import Any

import numpy as np

from refrt.once import BuildOnce

STANDIN = "numpy-standin"
EMULATOR = "cuda-emulator"
ENV = "REFRT_DEVICE_MODULE"  # tests only: "numpy-standin" makes the CUDA provider available on the CPU
MODULES = ("cupy", STANDIN, EMULATOR)
STANDINS = (STANDIN, EMULATOR)  # the device modules that run on the CPU

# Inputs a device node reads on the host, as onnxruntime's CUDA kernels declare (OrtMemTypeCPUInput):
# shapes, axes, pads, sizes: small int64 tensors whose values pick the work, not the work itself.
HOST_INPUTS: dict[str, tuple[int, ...]] = {
    "Reshape": (1,), "Expand": (1,), "Tile": (1,), "ConstantOfShape": (0,), "Slice": (1, 2, 3, 4),
    "Unsqueeze": (1,), "Squeeze": (1,), "Split": (1,), "Range": (0, 1, 2), "TopK": (1,), "OneHot": (1,),
    "Pad": (1, 3), "Resize": (1, 2, 3), "Upsample": (1,), "ReduceSum": (1,), "ReduceMean": (1,),
    "ReduceMax": (1,), "ReduceMin": (1,), "ReduceProd": (1,), "ReduceL2": (1,), "ReduceLogSumExp": (1,),
    "NonMaxSuppression": (2, 3, 4),
}
# Nodes that read only their input's metadata: they run on the host without copying the input.
METADATA_OPS = frozenset({"Shape", "Size"})


def holds(dtype: Any) -> bool:
    """Whether CuPy arrays can have this element type: NumPy's bool, integers, floats and complex. Not
    ml_dtypes' bfloat16 / float8 / int4 / float4 (kind "V"), strings or objects: only the host holds those."""
    return np.dtype(dtype).kind in "biufc"


class FakeDeviceArray(np.ndarray):
    """An array "on the device" of the NumPy stand-in: NumPy's numbers, a type of its own.

    NumPy functions and ufuncs applied to it return FakeDeviceArray (as they return CuPy arrays for
    CuPy inputs), and reductions give 0-d arrays rather than scalars, as CuPy's do. As with CuPy, a
    host ``numpy.ndarray`` operand is refused (scalars are fine)."""

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        if not _inside.depth:  # NumPy's own implementation of a dispatched function may mix in host arrays
            _refuse_host_arrays(f"{ufunc.__name__}.{method}" if method != "__call__" else ufunc.__name__,
                                inputs + tuple(out or ()))
        plain = [x.view(np.ndarray) if isinstance(x, FakeDeviceArray) else x for x in inputs]
        if out is not None:
            kwargs["out"] = tuple(o.view(np.ndarray) if isinstance(o, FakeDeviceArray) else o for o in out)
        result = getattr(ufunc, method)(*plain, **kwargs)
        if out is not None:
            return out[0] if len(out) == 1 else out
        return None if method == "at" else _fake(result, type(self))

    def __array_wrap__(self, obj, context=None, return_scalar=False):
        return obj.view(type(self)) if isinstance(obj, np.ndarray) else _fake(obj, type(self))

    def __array_function__(self, func, types_, args, kwargs):
        if _inside.depth:  # called by NumPy's implementation of an outer function: CuPy would not see it
            return super().__array_function__(func, types_, args, kwargs)
        _refuse_missing(func)
        _refuse_host_arrays(func.__name__, _flatten(args) + _flatten(tuple(kwargs.values())))
        _inside.depth += 1
        try:
            return _fake(super().__array_function__(func, types_, args, kwargs), type(self))
        finally:
            _inside.depth -= 1

    def __getitem__(self, key):
        return _fake(super().__getitem__(key), type(self))

    def get(self) -> np.ndarray:
        """A host copy (``cupy.ndarray.get``)."""
        return np.array(self.view(np.ndarray))


class _Inside(threading.local):
    depth = 0  # > 0 while NumPy's implementation of a dispatched array function runs (on this thread)


_inside = _Inside()


class EmulatedDeviceArray(FakeDeviceArray):
    """An array on the ``cuda-emulator`` stand-in (the same rules; its own module)."""


def _flatten(values: tuple) -> tuple:
    out = []
    for v in values:
        if isinstance(v, (list, tuple)):
            out.extend(_flatten(tuple(v)))
        else:
            out.append(v)
    return tuple(out)


def _refuse_host_arrays(what: str, values: tuple) -> None:
    """CuPy's rule: a host ndarray is not an operand of a device computation (no implicit upload)."""
    for v in values:
        if type(v) is np.ndarray:
            raise TypeError(f"Unsupported type {np.ndarray} in {what}: a host numpy.ndarray mixed with device "
                            "arrays (CuPy does not copy it implicitly; upload it with xp.asarray first)")


@functools.lru_cache(maxsize=1)
def _cupy_namespace():
    """CuPy's module when it imports here (no GPU needed), to hold the stand-in to CuPy's names."""
    try:
        import cupy
    except Exception:  # noqa: BLE001 - not installed, or its libraries do not load: nothing to compare
        return None
    return cupy


def _refuse_missing(func) -> None:
    cupy = _cupy_namespace()
    if cupy is None:
        return
    module = cupy  # numpy.linalg.norm -> cupy.linalg; numpy._core.* -> cupy (the public name is at the top)
    for part in (func.__module__ or "numpy").split(".")[1:]:
        if part.startswith("_"):
            break
        module = getattr(module, part, cupy)
    if not (hasattr(module, func.__name__) or hasattr(cupy, func.__name__)):
        raise TypeError(f"no implementation found for 'numpy.{func.__name__}' in CuPy: the function would fail "
                        "on a GPU")


def _fake(value: Any, cls: type = FakeDeviceArray) -> Any:
    if type(value) is np.ndarray:
        return value.view(cls)
    if isinstance(value, np.generic):
        return np.asarray(value).view(cls)
    if isinstance(value, tuple):
        return tuple(_fake(v, cls) for v in value)
    if isinstance(value, list):
        return [_fake(v, cls) for v in value]
    return value


class _StandinModule(types.ModuleType):
    """CuPy's surface over NumPy: NumPy's functions, arrays made or returned as the module's array type."""

    def __init__(self, name: str = STANDIN, array_type: type = FakeDeviceArray) -> None:
        super().__init__(name, "The NumPy stand-in for cupy (tests only).")
        self.ndarray = array_type

    def asarray(self, a: Any, dtype: Any = None, order: Any = None) -> FakeDeviceArray:
        if isinstance(a, self.ndarray) and (dtype is None or a.dtype == dtype):
            return a
        host = a.view(np.ndarray) if isinstance(a, FakeDeviceArray) else a
        array = np.array(host, dtype=dtype, order=order or "K", copy=True)
        if not holds(array.dtype):  # as CuPy refuses them
            raise TypeError(f"Unsupported dtype {array.dtype} (CuPy has no such element type)")
        return array.view(self.ndarray)

    array = asarray

    def asnumpy(self, a: Any) -> np.ndarray:
        if isinstance(a, FakeDeviceArray):
            return np.array(a.view(np.ndarray))
        return np.asarray(a)

    def from_dlpack(self, obj: Any) -> FakeDeviceArray:
        return np.array(np.from_dlpack(obj)).view(self.ndarray)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        cupy = _cupy_namespace()
        if cupy is not None and not hasattr(cupy, name):
            raise AttributeError(f"module 'cupy' has no attribute {name!r} (the stand-in keeps to CuPy's names)")
        attr = getattr(np, name)
        if callable(attr) and not isinstance(attr, type):
            cls = self.ndarray

            @functools.wraps(attr)  # asarray, asnumpy, from_dlpack (which take host data) are methods above
            def on_device(*args, **kwargs):
                _refuse_host_arrays(f"{self.__name__}.{name}", _flatten(args) + _flatten(tuple(kwargs.values())))
                return _fake(attr(*args, **kwargs), cls)

            setattr(self, name, on_device)
            return on_device
        return attr


numpy_standin = _StandinModule()


def _emulator_module() -> _StandinModule:
    from refrt import cuda_emulator

    module = _StandinModule(EMULATOR, EmulatedDeviceArray)
    module.ElementwiseKernel = cuda_emulator.ElementwiseKernel
    return module


_emulator = BuildOnce()


def cuda_emulator() -> _StandinModule:
    """The ``cuda-emulator`` device module: the stand-in plus CUDA source run on the CPU."""
    return _emulator.get(EMULATOR, _emulator_module)


def array_namespace(*arrays: Any) -> Any:
    """The array module of ``arrays``: cupy, the NumPy stand-in, or numpy (None and scalars ignored)."""
    for a in arrays:
        cls = a.__class__
        if cls is np.ndarray or a is None:
            continue
        if cls is FakeDeviceArray:
            return numpy_standin
        if cls is EmulatedDeviceArray:
            return cuda_emulator()
        if cls.__module__.startswith("cupy"):
            import cupy

            return cupy
    return np


def module_named(name: str) -> Any:
    """The array module of a device module name."""
    if name == STANDIN:
        return numpy_standin
    if name == EMULATOR:
        return cuda_emulator()
    import cupy

    return cupy


def is_device_array(value: Any) -> bool:
    """An array in device memory: CuPy's, the stand-in's, or anything with __cuda_array_interface__."""
    return isinstance(value, FakeDeviceArray) or hasattr(value, "__cuda_array_interface__")


def is_external_array(value: Any) -> bool:
    """A feed that is neither a NumPy array nor a Python list: a device array or a DLPack producer."""
    if value.__class__ is np.ndarray or isinstance(value, (list, dict, np.generic)) or value is None:
        return False
    return is_device_array(value) or hasattr(value, "__dlpack__") or _is_capsule(value)


def _is_capsule(value: Any) -> bool:
    return type(value).__name__ == "PyCapsule"


def to_host(value: Any) -> Any:
    """A NumPy copy of a device array (lists element by element); host values pass unchanged."""
    if isinstance(value, FakeDeviceArray):
        return np.array(value.view(np.ndarray))
    if value.__class__ is np.ndarray or value is None:
        return value
    if isinstance(value, list):
        return [to_host(v) for v in value]
    if value.__class__.__module__.startswith("cupy"):
        return value.get()
    if hasattr(value, "__cuda_array_interface__"):
        import cupy

        return cupy.asnumpy(cupy.asarray(value))
    if hasattr(value, "__dlpack__") or _is_capsule(value):
        return np.from_dlpack(value)
    return value


@functools.lru_cache(maxsize=1)
def cuda_check() -> tuple[bool, str]:
    """(True, "") when CuPy imports and a GPU really runs a tiny kernel; else (False, the reason). Cached."""
    try:
        import cupy
    except Exception as e:  # noqa: BLE001 - any import failure (no CUDA libraries) means "not here"
        return False, f"CuPy cannot be imported ({type(e).__name__}: {e})"
    try:
        if cupy.cuda.runtime.getDeviceCount() < 1:
            return False, "CuPy finds no CUDA device"
        x = cupy.arange(4, dtype=cupy.float32)
        total = float((x * 2 + 1).sum())  # compiles and runs an elementwise and a reduction kernel
        cupy.cuda.Device().synchronize()
    except Exception as e:  # noqa: BLE001 - a driver or NVRTC failure: the GPU cannot run kernels
        return False, f"a CUDA test kernel failed ({type(e).__name__}: {e})"
    if total != 16.0:
        return False, f"a CUDA test kernel computed {total}, not 16.0"
    return True, ""


def cuda_available() -> bool:
    return cuda_check()[0]


def requested_module(options: dict | None = None) -> str:
    """The device module asked for: the provider option, else the environment (tests), else cupy."""
    name = (options or {}).get("device_module") or os.environ.get(ENV) or "cupy"
    if name not in MODULES:
        from refrt.errors import Fail

        raise Fail(f'Failed to parse provider option "device_module": expected one of {list(MODULES)}, got "{name}"')
    return name


def module_available(name: str) -> bool:
    if name == STANDIN:
        return True
    if name == EMULATOR:
        from refrt import cuda_emulator

        return cuda_emulator.available()[0]
    return cuda_available()


class Device:
    """One CUDA device (or the stand-in): its array module and the copies made to and from it.

    ``counts`` holds the copies per kind: "MemcpyFromHost" and "MemcpyToHost" (plan transfer steps,
    feeds and fetches), "initializers" (uploaded once, at session creation) and "implicit" (host arrays a
    device kernel returned, uploaded after it: zero for well-behaved kernels)."""

    def __init__(self, module: str = "cupy", device_id: int = 0):
        self.module = module
        self.device_id = int(device_id)
        self.xp = module_named(module)
        self.counts = {"MemcpyFromHost": 0, "MemcpyToHost": 0, "initializers": 0, "implicit": 0}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Device({self.module!r}, device_id={self.device_id})"

    def _count(self, kind: str) -> None:
        with self._lock:
            self.counts[kind] += 1

    def activate(self):
        """A context in which this device is CuPy's current one (nothing for the stand-in)."""
        if self.module in STANDINS:
            return contextlib.nullcontext()
        return self.xp.cuda.Device(self.device_id)

    def synchronize(self) -> None:
        if self.module not in STANDINS:
            with self.activate():
                self.xp.cuda.Device(self.device_id).synchronize()

    def owns(self, value: Any) -> bool:
        return isinstance(value, self.xp.ndarray)

    def upload(self, value: Any, kind: str = "MemcpyFromHost") -> Any:
        """A device copy of a host value (lists element by element; None stays None)."""
        if value is None:
            return None
        if isinstance(value, list):
            return [self.upload(v, kind) for v in value]
        if not isinstance(value, (np.ndarray, np.generic)) or not holds(value.dtype):
            return value  # strings, bfloat16 / float8 / int4, maps, opaque values: only the host holds them
        self._count(kind)
        with self.activate():
            # not np.ascontiguousarray: it makes a 0-d array 1-d
            if isinstance(value, np.ndarray) and not value.flags.c_contiguous:
                value = value.copy(order="C")
            return self.xp.asarray(value)

    def download(self, value: Any) -> Any:
        """A NumPy copy of a device value (lists element by element)."""
        if isinstance(value, list):
            return [self.download(v) for v in value]
        if not self.owns(value):
            return value
        self._count("MemcpyToHost")
        with self.activate():
            return to_host(value)

    def adopt(self, value: Any) -> Any:
        """A fed device object as this device's array: CuPy and stand-in arrays as they are, others
        through __cuda_array_interface__ or DLPack (no copy on a GPU)."""
        if self.owns(value):
            return value
        dl_device = getattr(value, "__dlpack_device__", None)
        if dl_device is not None and dl_device()[0] == 1:  # kDLCPU: a host tensor (e.g. torch on the CPU)
            return self.upload(np.from_dlpack(value))
        with self.activate():
            if hasattr(value, "__cuda_array_interface__") and self.module not in STANDINS:
                return self.xp.asarray(value)
            if hasattr(value, "__dlpack__") or _is_capsule(value):
                return self.xp.from_dlpack(value)
        raise TypeError(f"cannot place a {type(value).__name__} on {self}")

    def from_pointer(self, ptr: int, shape: Any, dtype: Any) -> Any:
        """An array over ``shape`` x ``dtype`` at device address ``ptr`` (IOBinding's bind_input)."""
        dtype = np.dtype(dtype)
        shape = tuple(int(d) for d in shape)
        nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        if self.module in STANDINS:  # the stand-in's "device memory" is host memory
            return host_from_pointer(ptr, shape, dtype).view(self.xp.ndarray)
        cupy = self.xp
        memory = cupy.cuda.UnownedMemory(int(ptr), nbytes, owner=None, device_id=self.device_id)
        return cupy.ndarray(shape, dtype=dtype, memptr=cupy.cuda.MemoryPointer(memory, 0))

    def empty(self, shape: Any, dtype: Any) -> Any:
        with self.activate():
            return self.xp.empty(tuple(shape), dtype=dtype)

    def data_ptr(self, value: Any) -> int:
        if self.module in STANDINS:
            return int(value.ctypes.data)
        return int(value.data.ptr)


def host_from_pointer(ptr: int, shape: tuple, dtype: np.dtype) -> np.ndarray:
    """A NumPy view of host memory at ``ptr`` (the caller keeps that memory alive)."""
    import ctypes

    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    buffer = (ctypes.c_char * max(nbytes, 1)).from_address(int(ptr))
    return np.frombuffer(buffer, dtype=dtype, count=nbytes // dtype.itemsize).reshape(shape)


def default_device(device_id: int = 0) -> Device:
    """The device that "cuda" names outside a session (OrtValue): CuPy's, or the stand-in when asked for."""
    module = requested_module()
    if not module_available(module):
        raise RuntimeError(f"CUDA is not available here: {cuda_check()[1]}")
    return Device(module, device_id)
