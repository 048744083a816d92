"""refrt FusedElementwise on the Numba provider: the whole chain in one compiled pass over memory.

For each chain (``ops``, ``operands``), dtype and layout of operands, the Python source of one loop
is generated (``chain_source``) and compiled with numba: every element is read once, taken through
every op of the chain in registers, and written once, where the NumPy kernel makes one pass per op.
Blocks of the output run in parallel (prange) for large inputs. The source is written once to a
cache folder (``refrt/numba-chains`` under $XDG_CACHE_HOME or ~/.cache, or $REFRT_NUMBA_CHAIN_DIR)
so that numba's on-disk cache (cache=True) keeps the compiled loop across processes; where that
folder cannot be written the loop is compiled from memory, without the disk cache.

Compiled: float32 or float64, every input of the output's dtype, each one either of the output's
shape and C-contiguous, or of one element (a scalar), or a vector along one axis of the output (all
other dimensions 1: DenseNet's per-channel (C, 1, 1) scale and shift, a per-row (W,) bias); at least
one full-shape input. Offsets come from index arithmetic: a per-channel value is loaded once per
block of the output (blocks never straddle channels), a per-row one is indexed by the position in
the row. Delegated to the NumPy kernel: other dtypes or mixed dtypes, other broadcasts, 0-d or empty
outputs, and chains with an op this module does not know.

Each op computes what its NumPy kernel computes, element by element in the output's type, with no
fast-math (no reassociation, no FMA contraction): Abs, Neg, Reciprocal, Floor, Ceil, Sqrt, Relu,
Add, Sub, Mul, Div, Max, Min and Clip are bit-identical to the NumPy kernel; Exp, Log, Tanh, Sin,
Cos, Sigmoid and Pow use libm where NumPy uses its own SIMD routines (an ulp apart at most).

Faster: DenseNet-121's Mul, Add, Mul, Add, Relu with per-channel constants, one thread, NumPy
kernel -> compiled: (1, 224, 56, 56) 1.04 -> 0.17 ms; (1, 960, 14, 14) 0.33 -> 0.10 ms;
(1, 128, 28, 28) 0.18 -> 0.07 ms; (1, 512, 7, 7) 0.074 -> 0.063 ms. The first call of a chain
signature compiles (~1 s); later processes load it from numba's disk cache.
"""

from __future__ import annotations

import hashlib
import importlib.util
import math
import os
import pathlib
import sys
import threading

import numpy as np

from refrt.kernels.numpy.op_fused_elementwise import fused_elementwise as _numpy_prepare
from refrt.once import BuildOnce
from refrt.registry import kernel

from ._elementwise import jit, pick, pjit

# op type -> (arity, expression over a, b, c in the element type; zero / one are that type's 0 / 1)
_EXPR = {
    "Abs": (1, "abs(a)"), "Neg": (1, "-a"), "Reciprocal": (1, "one / a"),
    "Floor": (1, "DT(np.floor(a))"), "Ceil": (1, "DT(np.ceil(a))"), "Sqrt": (1, "DT(np.sqrt(a))"),
    "Exp": (1, "DT(math.exp(a))"), "Log": (1, "DT(math.log(a)) if a > zero else (DT(-np.inf) if a == zero else DT(np.nan))"),
    "Tanh": (1, "DT(math.tanh(a))"), "Sin": (1, "DT(math.sin(a))"), "Cos": (1, "DT(math.cos(a))"),
    "Relu": (1, "a if (a > zero or a != a) else zero"),  # np.maximum(a, 0): NaN stays, -0 -> 0
    "Sigmoid": (1, "one / (DT(math.exp(-a)) + one)"),
    "Add": (2, "a + b"), "Sub": (2, "a - b"), "Mul": (2, "a * b"), "Div": (2, "a / b"),
    "Max": (2, "a if (a > b or a != a) else b"), "Min": (2, "a if (a < b or a != a) else b"),
    "Pow": (2, "DT(a ** b)"),
    "Clip": (3, "_clip(a, b, c)"),
}

_PRELUDE = '''import math
import numpy as np
from numba import prange
from refrt.kernels.numba._elementwise import jit

DT = np.{dtype}


@jit
def _clip(a, lo, hi):  # np.clip(a, lo, hi) = minimum(maximum(a, lo), hi), NaN kept
    a = a if (a > lo or a != a) else lo
    return a if (a < hi or a != a) else hi


'''

BLOCK = 1 << 14  # elements per block (a prange iteration), about; sub-blocks as the operands need


def chain_source(ops, refs, kinds, dtype: str, reuse: bool) -> str:
    """The module source of one chain's loop.

    The output goes in blocks of L elements (one per prange iteration), each in sub-blocks of S
    elements, S dividing L. ``kinds``: per node input, "F" (output's shape, C-contiguous), "S" (one
    element), "C" (a vector constant over each sub-block: S divides its axis's stride, so a
    sub-block never straddles two of its elements), "R" (a vector along the last axis: S is the
    row length). ``reuse``: the output is input 0's buffer (input 0 is then
    read through the output, so that LLVM sees one array, not two that alias).
    """
    params = ", ".join(f"in{i}" for i in range(len(kinds)))
    lines = [f"def chain(out, n, L, S, nblocks, strides, sizes, {params}):",
             "    zero = DT(0)", "    one = DT(1)", "    for o in prange(nblocks):",
             "        stop = min(n, (o + 1) * L)", "        for start in range(o * L, stop, S):",
             "            end = min(stop, start + S)", "            os = out[start:end]"]
    for i, k in enumerate(kinds):
        if k == "F":
            lines.append(f"            v{i} = os" if reuse and i == 0 else f"            v{i} = in{i}[start:end]")
        elif k == "S":
            lines.append(f"            s{i} = in{i}[0]")
        elif k == "C":
            lines.append(f"            s{i} = in{i}[(start // strides[{i}]) % sizes[{i}]]")
    lines.append("            for j in range(end - start):")

    def operand(r: int, cur: str) -> str:
        if r < 0:
            return cur
        return {"F": f"v{r}[j]", "S": f"s{r}", "C": f"s{r}", "R": f"in{r}[j]"}[kinds[r]]

    cur = ""
    for n_op, (op, op_refs) in enumerate(zip(ops, refs)):
        body = _EXPR[op][1]
        for name, r in zip("abc", op_refs):  # the expression over this op's operands
            body = _subst(body, name, operand(r, cur))
        lines.append(f"                t{n_op} = DT({body})")
        cur = f"t{n_op}"
    lines.append(f"                os[j] = {cur}")
    return _PRELUDE.format(dtype=dtype) + "\n".join(lines) + "\n"


def _subst(expr: str, name: str, new: str) -> str:
    """``expr`` with the single-letter variable ``name`` replaced by ``new`` (whole words only)."""
    import re

    return re.sub(rf"(?<![A-Za-z_0-9.]){name}(?![A-Za-z_0-9(])", new, expr)


def _chain_dir() -> pathlib.Path:
    root = os.environ.get("REFRT_NUMBA_CHAIN_DIR")
    if root:
        return pathlib.Path(root)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return pathlib.Path(base) / "refrt" / "numba-chains"


_compiled = BuildOnce()


def compiled_chain(ops, refs, kinds, dtype: str, reuse: bool) -> tuple:
    """(serial, parallel) numba dispatchers of one chain's loop, made once per process."""
    key = (tuple(ops), tuple(refs), tuple(kinds), dtype, reuse)
    return _compiled.get(key, lambda: _build(chain_source(ops, refs, kinds, dtype, reuse)))


def _build(source: str) -> tuple:
    digest = hashlib.sha1(source.encode()).hexdigest()[:20]
    name = f"refrt_numba_chain_{digest}"
    try:  # a real file: numba's disk cache needs one
        folder = _chain_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.py"
        if not path.exists() or path.read_text() != source:
            tmp = folder / f".{name}.{os.getpid()}.{threading.get_ident()}.tmp"
            tmp.write_text(source)
            os.replace(tmp, path)
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        # importable by name: numba's disk cache re-imports the module of what it loads
        sys.modules[name] = module
        spec.loader.exec_module(module)
        fn = module.chain
    except OSError:  # no writable cache folder: compile from memory, without the disk cache
        import numba

        namespace: dict = {}
        exec(compile(source, f"<{name}>", "exec"), namespace)
        fn = namespace["chain"]
        opts = dict(nogil=True, error_model="numpy")
        return numba.njit(**opts)(fn), numba.njit(parallel=True, **opts)(fn)
    return jit(fn), pjit(fn)


def _classify(inputs, shape: tuple) -> tuple | None:
    """(kinds, strides, sizes, flat arrays) of the inputs against the output ``shape``, or None."""
    ndim = len(shape)
    kinds, strides, sizes, flats = [], [], [], []
    for a in inputs:
        if a.shape == shape and a.flags.c_contiguous:
            kinds.append("F")
            strides.append(1)
            sizes.append(1)
            flats.append(a.reshape(-1))
            continue
        if a.size == 1:
            kinds.append("S")
            strides.append(1)
            sizes.append(1)
            flats.append(a.reshape(-1))
            continue
        padded = (1,) * (ndim - a.ndim) + a.shape
        axes = [k for k, s in enumerate(padded) if s != 1]
        if len(axes) != 1:
            return None
        k = axes[0]
        kinds.append("R" if k == ndim - 1 else "C")
        strides.append(math.prod(shape[k + 1:]))
        sizes.append(shape[k])
        flats.append(a.reshape(-1))
    if "F" not in kinds:
        return None
    return kinds, strides, sizes, flats


@kernel("FusedElementwise", domain="refrt", since=1, prepare=True)
def fused_elementwise(*, ops=(), operands=(), inplace=0):
    fallback = _numpy_prepare(ops=ops, operands=operands, inplace=inplace)  # validates ops / operands
    if any(op not in _EXPR for op in ops):
        return fallback
    refs, at = [], 0
    for op in ops:
        arity = _EXPR[op][0]
        refs.append(tuple(int(r) for r in operands[at: at + arity]))
        at += arity
    first_refs = refs[0]
    may_reuse = bool(inplace) and 0 in first_refs

    def run(*inputs):
        x = inputs[0]
        dtype = x.dtype
        if dtype != np.float32 and dtype != np.float64:
            return fallback(*inputs)
        for a in inputs:
            if a.__class__ is not np.ndarray or a.dtype != dtype:
                return fallback(*inputs)
        try:
            shape = np.broadcast_shapes(*(a.shape for a in inputs))
        except ValueError:
            return fallback(*inputs)
        n = math.prod(shape)
        if not shape or n == 0:
            return fallback(*inputs)
        seen = _classify(inputs, shape)
        if seen is None:
            return fallback(*inputs)
        kinds, strides, sizes, flats = seen
        reuse = may_reuse and kinds[0] == "F" and x.flags.writeable
        if "R" in kinds:
            sub = shape[-1]
        elif "C" in kinds:
            sub = min(s for s, k in zip(strides, kinds) if k == "C")
        else:
            sub = BLOCK
        block = sub * max(1, BLOCK // sub)
        out = x if reuse else np.empty(shape, dtype)
        pair = compiled_chain(ops, refs, kinds, dtype.name, reuse)
        pick(pair, n)(out.reshape(-1), n, block, sub, -(-n // block), np.array(strides, np.int64),
                      np.array(sizes, np.int64), *flats)
        return out

    return run
