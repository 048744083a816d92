"""refrt FusedElementwise on the device: the whole chain as one generated ElementwiseKernel.

The chain (``ops``, ``operands``: see kernels/numpy/op_fused_elementwise.py) becomes the C++ body of one
``cupy.ElementwiseKernel``: each element is read once, taken through every op in registers, written
once (ElementwiseKernel broadcasts the node's inputs, so per-channel constants need no copies). Built
once per chain and element type (float32 / float64, every input of that type); NaN propagation as
NumPy's maximum / minimum / clip. Other cases (float16, mixed types) and the CPU tests' stand-in run
``chain_xp``: the same ops with xp functions, one pass per op, as the NumPy kernel does.
"""

from __future__ import annotations

import numpy as np

from refrt.kernels.numpy.op_fused_elementwise import fused_elementwise as _numpy_prepare
from refrt.registry import kernel

from ._cuda import elementwise_kernel
from ._xp import CUDA_FLOATS, array_namespace, compiles_cuda

# op -> C++ expression over a, b, c (type T); helpers in _PREAMBLE
CUDA_EXPR = {
    "Abs": "fabs(a)", "Neg": "-a", "Reciprocal": "(T)1 / a", "Floor": "floor(a)", "Ceil": "ceil(a)",
    "Sqrt": "sqrt(a)", "Exp": "exp(a)", "Log": "log(a)", "Tanh": "tanh(a)", "Sin": "sin(a)", "Cos": "cos(a)",
    "Relu": "rf_relu(a)", "Sigmoid": "(T)1 / (exp(-a) + (T)1)",
    "Add": "a + b", "Sub": "a - b", "Mul": "a * b", "Div": "a / b",
    "Max": "rf_max(a, b)", "Min": "rf_min(a, b)", "Pow": "pow(a, b)", "Clip": "rf_min(rf_max(a, b), c)",
}

_PREAMBLE = """
template <typename T> __device__ T rf_max(T a, T b) { return (a > b || a != a) ? a : b; }
template <typename T> __device__ T rf_min(T a, T b) { return (a < b || a != a) ? a : b; }
template <typename T> __device__ T rf_relu(T a) { return (a > (T)0 || a != a) ? a : (T)0; }
"""


def chain_body(steps) -> str:
    """The ElementwiseKernel body of a chain: one ``T tK = ...;`` per op, then ``out = t_last;``."""
    lines, cur = [], None
    for k, (op, refs) in enumerate(steps):
        names = [cur if r < 0 else f"in{r}" for r in refs]
        expr = CUDA_EXPR[op]
        for letter, name in zip("abc", names):
            expr = _subst(expr, letter, name)
        lines.append(f"T t{k} = {expr};")
        cur = f"t{k}"
    lines.append(f"out = {cur};")
    return " ".join(lines)


def _subst(expr: str, name: str, new: str) -> str:
    import re

    return re.sub(rf"(?<![A-Za-z_0-9.]){name}(?![A-Za-z_0-9(])", new, expr)


def _xp_op(xp, op, args, dtype):
    a = args[0]
    t = dtype.type
    if op == "Abs": return xp.abs(a)  # noqa: E701 (a table of one-liners)
    if op == "Neg": return -a  # noqa: E701
    if op == "Reciprocal": return xp.reciprocal(a)  # noqa: E701
    if op == "Relu": return xp.maximum(a, t(0))  # noqa: E701
    if op == "Sigmoid": return xp.reciprocal(xp.exp(-a) + t(1))  # noqa: E701
    if op == "Pow": return xp.power(a, args[1].astype(a.dtype, copy=False))  # noqa: E701
    if op == "Clip":
        lo, hi = (v.reshape(()).astype(a.dtype) for v in args[1:])
        return xp.minimum(xp.maximum(a, lo), hi)
    name = {"Exp": "exp", "Log": "log", "Sqrt": "sqrt", "Tanh": "tanh", "Floor": "floor", "Ceil": "ceil",
            "Sin": "sin", "Cos": "cos", "Add": "add", "Sub": "subtract", "Mul": "multiply", "Div": "divide",
            "Max": "maximum", "Min": "minimum"}[op]
    return getattr(xp, name)(*args)


def chain_xp(xp, steps, inputs):
    """The chain with xp functions, one op at a time (what the NumPy kernel computes)."""
    y = None
    with np.errstate(all="ignore"):
        for op, refs in steps:
            args = [y if r < 0 else inputs[r] for r in refs]
            y = _xp_op(xp, op, args, args[0].dtype)
    return y


@kernel("FusedElementwise", domain="refrt", since=1, prepare=True)
def fused_elementwise(*, ops=(), operands=(), inplace=0):
    _numpy_prepare(ops=ops, operands=operands, inplace=inplace)  # validates ops / operands as the NumPy kernel
    steps, at = [], 0
    for op in ops:
        arity = {"Clip": 3}.get(op, 2 if op in ("Add", "Sub", "Mul", "Div", "Max", "Min", "Pow") else 1)
        steps.append((op, tuple(int(r) for r in operands[at: at + arity])))
        at += arity
    body = chain_body(steps)

    def run(*inputs):
        xp = array_namespace(*inputs)
        dtype = inputs[0].dtype
        if compiles_cuda(xp) and dtype in CUDA_FLOATS and all(a.dtype == dtype for a in inputs):
            params = ", ".join(f"T in{i}" for i in range(len(inputs)))
            return elementwise_kernel(xp, params, "T out", body, "refrt_fused_chain", _PREAMBLE)(*inputs)
        return chain_xp(xp, steps, inputs)

    return run
