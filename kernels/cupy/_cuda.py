"""CUDA source the CUDA provider's kernels generate, and the xp formulas they must equal.

Each ``ElementwiseKernel`` is built once per source (cached per process; CuPy caches the compiled
binary on disk). Fused activations exist twice: ``ACT_CUDA`` (C++ over the element type ``T``) and
``activate`` (xp operations, the same formula in the same order): the GPU runs the first, the NumPy
stand-in the second, so CPU tests check the formulas the CUDA source spells.
"""

from __future__ import annotations

import numpy as np

from refrt.once import BuildOnce

from ._xp import compiles_cuda

_built = BuildOnce()


def elementwise_kernel(xp, in_params: str, out_params: str, body: str, name: str, preamble: str = ""):
    """A cached ``cupy.ElementwiseKernel`` (only called when ``xp`` is cupy)."""
    assert compiles_cuda(xp), "CUDA source is only built where xp compiles it"
    key = (xp.__name__, in_params, out_params, body, name, preamble)
    return _built.get(key, lambda: xp.ElementwiseKernel(in_params, out_params, body, name, preamble=preamble))


# activation -> C++ expression of ``v`` (type T), with params p0, p1 (T). NaN propagates as NumPy's
# maximum / clip / minimum do (comparisons with NaN are false, so v passes through).
ACT_CUDA = {
    "": "v",
    "Relu": "(v > (T)0 || v != v) ? v : (T)0",
    "Clip": "(v < p0) ? p0 : ((v > p1) ? p1 : v)",
    "Sigmoid": "(T)1 / ((T)1 + exp(-v))",
    "Tanh": "tanh(v)",
    "LeakyRelu": "(v < (T)0) ? v * p0 : v",
    # not min(max(...)): CUDA's min / max on floats are fminf / fmaxf, which drop a NaN operand
    "HardSigmoid": "((v * p0 + p1) < (T)0) ? (T)0 : (((v * p0 + p1) > (T)1) ? (T)1 : (v * p0 + p1))",
}


def activation_params(activation: str, params, dtype) -> tuple[float, float]:
    """(p0, p1) of a fused activation, as its NumPy counterpart reads ``activation_params``."""
    params = list(params or ())
    if activation == "Clip":
        info = np.finfo(dtype)
        lo = float(info.min) if not params or np.isnan(params[0]) else float(params[0])
        hi = float(info.max) if len(params) < 2 or np.isnan(params[1]) else float(params[1])
        return lo, hi
    if activation == "LeakyRelu":
        return (float(params[0]) if params else 0.01), 0.0
    if activation == "HardSigmoid":
        return (float(params[0]) if params else 0.2), (float(params[1]) if len(params) > 1 else 0.5)
    return 0.0, 0.0


def activate(xp, y, activation: str, params):
    """The fused activation with xp operations (the same formulas as ACT_CUDA), a new array."""
    if not activation:
        return y
    if activation not in ACT_CUDA:
        raise ValueError(f"unknown fused activation {activation!r}")
    t = y.dtype.type
    p0, p1 = (t(p) for p in activation_params(activation, params, y.dtype))
    with np.errstate(all="ignore"):
        if activation == "Relu":
            return xp.where((y > 0) | (y != y), y, t(0))
        if activation == "Clip":
            return xp.where(y < p0, p0, xp.where(y > p1, p1, y))
        if activation == "Sigmoid":
            return t(1) / (t(1) + xp.exp(-y))
        if activation == "Tanh":
            return xp.tanh(y)
        if activation == "LeakyRelu":
            return xp.where(y < 0, y * p0, y)
        return xp.minimum(xp.maximum(y * p0 + p1, t(0)), t(1))  # HardSigmoid


def epilogue(xp, y, bias, z, activation: str, params):
    """act(y + bias + z): ``bias`` already shaped to broadcast over y, ``z`` of y's shape or None.

    On a GPU one ElementwiseKernel (y read once, written once) for float32/float64; otherwise xp ops.
    """
    if bias is None and z is None and not activation:
        return y
    ctype = {np.dtype(np.float32): "float", np.dtype(np.float64): "double"}.get(y.dtype)
    if (compiles_cuda(xp) and ctype is not None and (bias is None or bias.dtype == y.dtype)
            and (z is None or (z.dtype == y.dtype and z.shape == y.shape))):
        p0, p1 = activation_params(activation, params, y.dtype)
        ins, args, terms = ["T y", "T p0", "T p1"], [y, y.dtype.type(p0), y.dtype.type(p1)], ["y"]
        if bias is not None:
            ins.append("T b")
            args.append(bias)
            terms.append("b")
        if z is not None:
            ins.append("T z")
            args.append(z)
            terms.append("z")
        body = f"T v = {' + '.join(terms)}; out = {ACT_CUDA[activation]};"
        k = elementwise_kernel(xp, ", ".join(ins), "T out", body, "refrt_epilogue")
        return k(*args)
    if bias is not None:
        y = y + bias.astype(y.dtype, copy=False)
    if z is not None:
        y = y + z
    return activate(xp, y, activation, params)
