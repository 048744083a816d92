"""The CUDA provider's generated kernels on a machine without a GPU (tests only).

``cupy.ElementwiseKernel(in_params, out_params, operation, name, preamble=...)`` as the
``cuda-emulator`` device module offers it (refrt/device.py): on each call with a new element type

- the CUDA C++ the kernel would run is compiled for the CPU with the host's C++ compiler (``$CXX`` or
  ``g++``), the same operation and preamble inside a loop over the broadcast elements, and run on the
  stand-in's arrays: so the formulas the CUDA source spells are checked for their values (NaN,
  infinities, signed zeros) against the NumPy kernels, not only the xp formulas beside them;
- where CuPy imports and ``nvcc`` is on the PATH, the source CuPy itself generates for that call (its
  own code generator, its headers) is compiled for the GPU (``nvcc -ptx``), so a source CuPy would
  refuse to compile fails here too.

CUDA's ``min`` / ``max`` on floats are ``fminf`` / ``fmaxf`` (a NaN operand is dropped); the prelude
gives the CPU build the same meaning, so a kernel relying on them behaves as it would on a GPU. What
this cannot show: CUDA's own math library's last-ulp results, fused multiply-adds (nvcc contracts
``a * b + c``), the launch itself, and anything about speed. ``CHECKS`` counts the compilations
("cxx", "nvcc": distinct kernels built or checked in this process) and the emulated launches
("runs"), so tests can see that they ran. Builds are
cached on disk by source hash (``$REFRT_EMULATOR_CACHE``, else a folder in the temp directory).
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import subprocess
import tempfile
import threading
from collections import Counter
from functools import lru_cache

import numpy as np

from refrt.once import BuildOnce

CHECKS: Counter = Counter()
# per call signature (kernel definition, argument kinds, dtypes, rank): the CPU build, and the nvcc check
_loaded = BuildOnce()
_nvcc_checked = BuildOnce()

_CTYPES = {np.dtype(np.float32): "float", np.dtype(np.float64): "double", np.dtype(np.int32): "int",
           np.dtype(np.int64): "long long", np.dtype(np.bool_): "bool", np.dtype(np.float16): None}
_NAMED = {"float32": np.float32, "float64": np.float64, "int32": np.int32, "int64": np.int64, "bool": np.bool_}

PRELUDE = r"""
#include <cmath>
#include <cstdint>
#define __device__
#define __forceinline__ inline
using std::exp; using std::log; using std::tanh; using std::erf; using std::fabs; using std::floor;
using std::ceil; using std::sqrt; using std::sin; using std::cos; using std::pow; using std::isnan;
// CUDA's min / max on floating types are fminf / fmaxf: a NaN operand is dropped
inline float min(float a, float b) { return std::fmin(a, b); }
inline double min(double a, double b) { return std::fmin(a, b); }
inline float max(float a, float b) { return std::fmax(a, b); }
inline double max(double a, double b) { return std::fmax(a, b); }
"""


@lru_cache(maxsize=1)
def available() -> tuple[bool, str]:
    """(True, "") when a C++ compiler builds and runs a kernel here; else (False, the reason)."""
    cxx = _cxx()
    if cxx is None:
        return False, "no C++ compiler (set CXX or install g++) to build the emulated CUDA kernels"
    try:
        k = ElementwiseKernel("T x", "T y", "y = x * (T)2 + (T)1", "refrt_emulator_probe")
        y = k(np.arange(3, dtype=np.float32).view(_array_type()))
    except Exception as e:  # noqa: BLE001 - any build or load failure: the emulator cannot run here
        return False, f"the C++ compiler could not build an emulated kernel ({type(e).__name__}: {e})"
    if np.asarray(y).tolist() != [1.0, 3.0, 5.0]:
        return False, f"an emulated kernel computed {np.asarray(y).tolist()}, not [1.0, 3.0, 5.0]"
    return True, ""


def _cxx() -> str | None:
    return shutil.which(os.environ.get("CXX", "g++"))


def nvcc_check() -> tuple[bool, str]:
    """(True, "") when the sources CuPy generates are also compiled for the GPU here."""
    if shutil.which("nvcc") is None:
        return False, "nvcc is not on the PATH"
    try:
        import cupy  # noqa: F401
        from cupy._core import _kernel  # noqa: F401
    except Exception as e:  # noqa: BLE001
        return False, f"CuPy cannot be imported ({type(e).__name__}: {e})"
    return True, ""


def _array_type():
    from refrt.device import EmulatedDeviceArray

    return EmulatedDeviceArray


@lru_cache(maxsize=1)
def _build_dir() -> str:
    root = os.environ.get("REFRT_EMULATOR_CACHE") or os.path.join(
        tempfile.gettempdir(), f"refrt-cuda-emulator-{os.getuid()}")
    os.makedirs(root, exist_ok=True)
    return root


def _parse(params: str) -> list[tuple[str, str]]:
    """[(type word, name)] of "T x, float32 a" (CuPy's syntax; ``raw`` parameters are not emulated)."""
    out = []
    for part in filter(None, (p.strip() for p in params.split(","))):
        words = part.split()
        if len(words) != 2:
            raise NotImplementedError(f"emulated ElementwiseKernel parameter {part!r}: only 'TYPE name' is emulated")
        out.append((words[0], words[1]))
    return out


class ElementwiseKernel:
    """cupy.ElementwiseKernel's call semantics for non-raw parameters, run on the CPU.

    Arguments: device arrays of the emulator and scalars; the type letter (``T``) takes the dtype of the
    arrays given for it (all must agree, as CuPy requires); scalars are cast to their parameter's type;
    arrays broadcast together, and the outputs (allocated when not given) take the broadcast shape."""

    def __init__(self, in_params: str, out_params: str, operation: str, name: str = "kernel",
                 preamble: str = "", **kwargs):
        self.in_params = _parse(in_params)
        self.out_params = _parse(out_params)
        self.operation, self.name, self.preamble = operation, name, preamble
        self._definition = (in_params, out_params, operation, name, preamble)
        self.nin, self.nout = len(self.in_params), len(self.out_params)

    def __call__(self, *args, **kwargs):
        from refrt.device import FakeDeviceArray

        if len(args) not in (self.nin, self.nin + self.nout):
            raise TypeError(f"Wrong number of arguments for {self.name!r}: {len(args)}, expected {self.nin} "
                            f"or {self.nin + self.nout}")
        ins, outs = list(args[:self.nin]), list(args[self.nin:])
        types: dict[str, np.dtype] = {}
        for (t, n), a in zip(self.in_params + self.out_params, ins + outs):
            if isinstance(a, np.ndarray) and not isinstance(a, FakeDeviceArray):
                raise TypeError(f"Unsupported type {np.ndarray} for {self.name} argument {n!r} (a host array)")
            if isinstance(a, FakeDeviceArray):
                want = np.dtype(_NAMED[t]) if t in _NAMED else types.setdefault(t, a.dtype)
                if a.dtype != want:
                    raise TypeError(f"Type is mismatched. {n} {a.dtype.type} {want.type} {t}")
        arrays = [a for a in ins if isinstance(a, FakeDeviceArray)]
        if not arrays and not outs:
            raise ValueError("Loop size is undecided.")
        shape = np.broadcast_shapes(*(a.shape for a in arrays + outs))

        def dtype_of(t):
            if t in _NAMED:
                return np.dtype(_NAMED[t])
            if t not in types:
                raise TypeError(f"{self.name}: the type {t} is not given by any array argument")
            return types[t]

        kinds = tuple("a" if isinstance(a, FakeDeviceArray) else "s" for a in ins)
        in_dtypes = tuple(dtype_of(t) for t, _ in self.in_params)
        out_dtypes = tuple(dtype_of(t) for t, _ in self.out_params)
        if not outs:
            outs = [np.empty(shape, dtype=d).view(_array_type()) for d in out_dtypes]
        buffers = []
        for a, (t, n), d in zip(ins, self.in_params, in_dtypes):
            if isinstance(a, FakeDeviceArray):
                buffers.append(np.ascontiguousarray(np.broadcast_to(a.view(np.ndarray), shape), dtype=d))
            else:
                buffers.append(np.array([a], dtype=d))  # a scalar, cast to its parameter's type
        results = [np.empty(shape, dtype=d) for d in out_dtypes]
        if results[0].size:
            call = (self._definition, kinds, in_dtypes, out_dtypes)
            if nvcc_check()[0]:
                _nvcc_checked.get((call, max(len(shape), 1)), lambda: self._check_nvcc(*call[1:], max(len(shape), 1)))
            lib = _loaded.get(call, lambda: self._build(self.cpu_source(kinds, in_dtypes, out_dtypes)))
            CHECKS["runs"] += 1
            pointers = (ctypes.c_void_p * (len(buffers) + len(results)))(
                *(b.ctypes.data for b in buffers + results))
            lib.refrt_emulated(pointers, ctypes.c_longlong(results[0].size))
        for o, r in zip(outs, results):
            o.view(np.ndarray)[...] = r
        return outs[0] if len(outs) == 1 else tuple(outs)

    # -- the CPU build ---------------------------------------------------------------------------------
    def cpu_source(self, kinds, in_dtypes, out_dtypes) -> str:
        typedefs = {}
        for (t, _), d in zip(self.in_params + self.out_params, in_dtypes + out_dtypes):
            if t not in _NAMED:
                typedefs[t] = _ctype(d)
        lines = [PRELUDE]
        lines += [f"typedef {c} {t};" for t, c in sorted(typedefs.items())]
        lines.append(self.preamble)
        lines.append('extern "C" void refrt_emulated(void** args, long long n) {')
        lines.append("  for (long long i = 0; i < n; ++i) {")
        k = 0
        for (t, n), kind, d in zip(self.in_params, kinds, in_dtypes):
            c = _ctype(d) if t in _NAMED else t
            index = "[i]" if kind == "a" else "[0]"
            lines.append(f"    const {c} {n} = ((const {c}*)args[{k}]){index};")
            k += 1
        for (t, n), d in zip(self.out_params, out_dtypes):
            c = _ctype(d) if t in _NAMED else t
            lines.append(f"    {c} &{n} = ((({c}*)args[{k}]))[i];")
            k += 1
        lines.append(f"    {self.operation};")
        lines.append("  }")
        lines.append("}")
        return "\n".join(lines) + "\n"

    def _build(self, source: str) -> ctypes.CDLL:
        key = hashlib.sha256(source.encode()).hexdigest()[:24]  # the on-disk cache: by source
        path = os.path.join(_build_dir(), f"{self.name}_{key}.so")
        if not os.path.exists(path):
            src = path[:-3] + ".cpp"
            with open(src, "w") as f:
                f.write(source)
            tmp = f"{path}.{os.getpid()}.{threading.get_ident()}"
            # no -ffast-math: NaN and signed-zero rules must hold as on the GPU
            r = subprocess.run([_cxx(), "-O1", "-std=c++17", "-shared", "-fPIC", "-o", tmp, src],
                               capture_output=True, text=True, timeout=120)
            if r.returncode != 0:
                raise RuntimeError(f"the emulated CUDA kernel {self.name} does not compile for the CPU:\n"
                                   f"{r.stderr[-4000:]}\nsource:\n{source}")
            os.replace(tmp, path)
        lib = ctypes.CDLL(path)
        lib.refrt_emulated.argtypes = [ctypes.c_void_p, ctypes.c_longlong]
        lib.refrt_emulated.restype = None
        CHECKS["cxx"] += 1
        return lib

    # -- the GPU build, as CuPy would do it ----------------------------------------------------------------
    def cupy_source(self, kinds, in_dtypes, out_dtypes, ndim: int) -> str:
        """The CUDA source CuPy's ElementwiseKernel generates for this call (CuPy's own code generator)."""
        import cupy
        import cupy._core.core as core
        from cupy._core import _carray, _kernel, _scalar

        k = cupy.ElementwiseKernel(", ".join(f"{t} {n}" for t, n in self.in_params),
                                   ", ".join(f"{t} {n}" for t, n in self.out_params),
                                   self.operation, self.name, preamble=self.preamble)
        array_in = tuple(d.type if kind == "a" else None for kind, d in zip(kinds, in_dtypes))
        _, _, type_map = k._decide_params_type(array_in, ())
        infos = []
        for kind, d in zip(kinds, in_dtypes):
            if kind == "a":
                infos.append(_kernel._ArgInfo(1, cupy.ndarray, d.type, ndim, False, True))
            else:
                infos.append(_kernel._ArgInfo(3, _scalar.CScalar, d.type, 0, True, True))
        infos += [_kernel._ArgInfo(1, cupy.ndarray, d.type, ndim, True, True) for d in out_dtypes]
        infos.append(_kernel._ArgInfo(2, _carray.Indexer, None, ndim, True, True))
        code = _kernel._get_elementwise_kernel_code(tuple(infos), type_map, k.params, k.operation, k.name,
                                                    k.preamble)
        return "".join(f"#include <{h}>\n" for h in core._cupy_header_list) + code

    def _check_nvcc(self, kinds, in_dtypes, out_dtypes, ndim: int) -> bool:
        import cupy._core.core as core

        source = self.cupy_source(kinds, in_dtypes, out_dtypes, ndim)
        key = hashlib.sha256(source.encode()).hexdigest()[:24]
        path = os.path.join(_build_dir(), f"{self.name}_{key}.cu")
        ptx = path[:-3] + ".ptx"
        if not os.path.exists(ptx):
            with open(path, "w") as f:
                f.write(source)
            tmp = f"{ptx}.{os.getpid()}.{threading.get_ident()}"
            r = subprocess.run(["nvcc", "-ptx", "-arch=sm_90", "-std=c++17", "-I", core._get_header_dir_path(),
                                *core._get_cccl_include_options(), path, "-o", tmp],
                               capture_output=True, text=True, timeout=300)
            if r.returncode != 0:
                raise RuntimeError(f"CuPy's source for the CUDA kernel {self.name} does not compile with nvcc:\n"
                                   f"{r.stderr[-4000:]}\nsource:\n{source}")
            os.replace(tmp, ptx)
        CHECKS["nvcc"] += 1
        return True


def _ctype(dtype: np.dtype) -> str:
    c = _CTYPES.get(np.dtype(dtype))
    if c is None:
        raise NotImplementedError(f"emulated ElementwiseKernel on {np.dtype(dtype)}")
    return c
