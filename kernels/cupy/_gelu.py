"""Gelu on the device: x * Phi(x) exactly (erf) or by the tanh estimate, as one ElementwiseKernel on a
GPU (float32/float64; CUDA's erf, correct to 2 ulp), or xp operations elsewhere (float16 widened to
float32, and the CPU stand-in), where erf is the rational approximation the NumPy kernel uses for
float32 (kernels/numpy/_fused_util.py: error below 4.5e-7 absolute). An optional bias is added
first (BiasGelu), in the same pass on a GPU."""

from __future__ import annotations

import math

import numpy as np

from refrt.kernels.numpy._fused_util import _ERF_P, _ERF_Q, _TANH_C1, _TANH_C3

from ._cuda import elementwise_kernel
from ._xp import CUDA_FLOATS, array_namespace, compute_dtype, compiles_cuda

_BODY = {
    "none": "T v = X; out = v * ((T)0.5 + (T)0.5 * erf(v * (T)0.70710678118654752440));",
    "tanh": f"T v = X; out = v / ((T)1 + exp(v * ((T)({_TANH_C1!r}) + (T)({_TANH_C3!r}) * v * v)));",
}


def erf_xp(xp, t):
    """erf(t) by the rational approximation (t clipped to [-4, 4], NaN kept)."""
    dt = t.dtype.type
    t = xp.minimum(xp.maximum(t, dt(-4)), dt(4))
    t2 = t * t
    p = t2 * dt(_ERF_P[0]) + dt(_ERF_P[1])
    for c in _ERF_P[2:]:
        p = p * t2 + dt(c)
    q = t2 * dt(_ERF_Q[0]) + dt(_ERF_Q[1])
    for c in _ERF_Q[2:]:
        q = q * t2 + dt(c)
    return t * p / q


def gelu(x, bias=None, approximate: str = "none"):
    if approximate not in _BODY:
        raise ValueError(f"Gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    xp = array_namespace(x)
    if compiles_cuda(xp) and x.dtype in CUDA_FLOATS and (bias is None or bias.dtype == x.dtype):
        if bias is None:
            return elementwise_kernel(xp, "T x", "T out", _BODY[approximate].replace("X", "x"), "refrt_gelu")(x)
        body = _BODY[approximate].replace("X", "x + b")
        return elementwise_kernel(xp, "T x, T b", "T out", body, "refrt_bias_gelu")(x, bias)
    work = compute_dtype(x.dtype)
    v = x.astype(work, copy=False)
    if bias is not None:
        v = v + bias.astype(work, copy=False)
    dt = v.dtype.type
    with np.errstate(all="ignore"):
        if approximate == "tanh":
            y = v / (dt(1) + xp.exp(v * (dt(_TANH_C1) + dt(_TANH_C3) * v * v)))
        else:
            y = v * (dt(0.5) + dt(0.5) * erf_xp(xp, v * dt(1 / math.sqrt(2))))
    out_dtype = np.result_type(x.dtype, bias.dtype) if bias is not None else x.dtype
    return y.astype(out_dtype, copy=False)
