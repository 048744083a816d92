"""refrt FusedElementwise: a chain of elementwise ops, what fuse_elementwise_chain makes of nodes
each of which only the next one reads (Sub -> Mul, Add -> Relu -> Mul ...), float32 or float64.

Attributes record the chain: ``ops``, the op types in order, and ``operands``, each op's operands
one after the other: an index into the node's inputs, or -1 for the value the chain has so far.
The first op allocates the result; every later op writes into it (``out=``), so the chain allocates
once instead of once per op. Each op computes exactly what its own kernel computes (same NumPy
functions, same order), so results are identical to the unfused graph; an operand that would widen
the result by broadcasting gets a new buffer, as the unfused op would. With ``inplace=1`` (set by
mark_inplace) the first op may write into input 0's buffer instead of allocating.
"""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array, relu_into


def _ufunc(f: np.ufunc):
    return lambda out, *args: f(*args) if out is None else f(*args, out=out)


def _relu(out, x):
    return np.maximum(x, 0) if out is None else relu_into(out, x)


def _sigmoid(out, x):  # 1 / (1 + exp(-x)), as op_sigmoid
    y = np.negative(x, out=out) if out is not None else as_array(np.negative(x))
    np.exp(y, out=y)
    y += 1
    return np.reciprocal(y, out=y)


def _pow(out, x, y):
    y = y.astype(x.dtype, copy=False)  # the exponent in the base's type, as op_pow
    return np.power(x, y) if out is None else np.power(x, y, out=out)


def _clip(out, x, low, high):
    low, high = low.reshape(()).astype(x.dtype), high.reshape(()).astype(x.dtype)
    return np.clip(x, low, high) if out is None else np.clip(x, low, high, out=out)


# op type -> (function(out, *operands), number of operands); fuse_elementwise_chain lists the same ops.
OPS = {
    "Abs": (_ufunc(np.absolute), 1), "Neg": (_ufunc(np.negative), 1), "Exp": (_ufunc(np.exp), 1),
    "Log": (_ufunc(np.log), 1), "Sqrt": (_ufunc(np.sqrt), 1), "Reciprocal": (_ufunc(np.reciprocal), 1),
    "Tanh": (_ufunc(np.tanh), 1), "Floor": (_ufunc(np.floor), 1), "Ceil": (_ufunc(np.ceil), 1),
    "Sin": (_ufunc(np.sin), 1), "Cos": (_ufunc(np.cos), 1), "Relu": (_relu, 1), "Sigmoid": (_sigmoid, 1),
    "Add": (_ufunc(np.add), 2), "Sub": (_ufunc(np.subtract), 2), "Mul": (_ufunc(np.multiply), 2),
    "Div": (_ufunc(np.divide), 2), "Max": (_ufunc(np.maximum), 2), "Min": (_ufunc(np.minimum), 2),
    "Pow": (_pow, 2), "Clip": (_clip, 3),
}


@kernel("FusedElementwise", domain="refrt", since=1, prepare=True)
def fused_elementwise(*, ops=(), operands=(), inplace=0):
    steps = []
    at = 0
    for op in ops:
        if op not in OPS:
            raise ValueError(f"FusedElementwise: {op} is not an elementwise op it knows")
        fn, arity = OPS[op]
        refs = tuple(int(r) for r in operands[at : at + arity])
        if len(refs) != arity:
            raise ValueError(f"FusedElementwise: operands {list(operands)} do not fit ops {list(ops)}")
        steps.append((fn, refs))
        at += arity
    if not steps or at != len(operands):
        raise ValueError(f"FusedElementwise: operands {list(operands)} do not fit ops {list(ops)}")
    (first, first_refs), rest = steps[0], steps[1:]
    # mark_inplace: nothing else reads input 0; its buffer may take the first result when no later
    # op reads input 0 again (and it is writeable and already the result's shape and type).
    reuse = bool(inplace) and 0 in first_refs and not any(0 in refs for _, refs in rest)

    def run(*inputs):
        with np.errstate(all="ignore"):  # inf / NaN by IEEE, as the ops' own kernels give them
            args = [inputs[r] for r in first_refs]
            x = inputs[0]
            if (reuse and x.__class__ is np.ndarray and x.flags.writeable and np.result_type(*args) == x.dtype
                    and np.broadcast_shapes(*(a.shape for a in args)) == x.shape):
                y = first(x, *args)
            else:
                y = first(None, *args)
            if y.__class__ is not np.ndarray:
                y = np.asarray(y)  # a 0-d result comes back as a NumPy scalar; out= needs an array
            for fn, refs in rest:
                args = [y if r < 0 else inputs[r] for r in refs]
                try:
                    fn(y, *args)
                except ValueError:  # an operand widens the result by broadcasting: a new buffer
                    y = np.asarray(fn(None, *args))
        return y

    return run
