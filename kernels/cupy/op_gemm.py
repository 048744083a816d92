"""Gemm on the device: alpha * A' @ B' + beta * C with cuBLAS through xp.matmul, the scale and C
added as one elementwise pass (ElementwiseKernel on a GPU for float32/float64). Every revision the
NumPy provider registers. Non-float or mixed types run the NumPy kernel on the host."""

from __future__ import annotations

from refrt.kernels.numpy import op_gemm as _np
from refrt.registry import kernel

from ._cuda import epilogue
from ._xp import all_floats, array_namespace, compute_dtype, on_host


def gemm(a, b, c, alpha, beta, trans_a, trans_b, activation="", activation_params=None):
    """act(alpha * A' @ B' + beta * C) in the compute type, rounded to A's type."""
    xp = array_namespace(a, b)
    a, b = _np.operands(a, b, trans_a, trans_b)
    m, n = a.shape[0], b.shape[1]
    work = compute_dtype(a.dtype)
    y = xp.matmul(a.astype(work, copy=False), b.astype(work, copy=False))
    if alpha != 1.0:
        y *= work.type(alpha)
    bias = None
    if c is not None and beta != 0.0:
        if c.ndim > 2 or any(s not in (1, t) for s, t in zip(c.shape[::-1], (n, m))):
            raise ValueError(f"Gemm: C of shape {c.shape} does not broadcast to ({m}, {n})")
        bias = c.astype(work, copy=False)
        if beta != 1.0:
            bias = bias * work.type(beta)
    y = epilogue(xp, y, bias, None, activation, activation_params)
    return y.astype(a.dtype, copy=False)


def _ok(a, b, c) -> bool:
    return all_floats(a, b, c)


@kernel("Gemm", since=1, until=6)
def gemm_1(a, b, c, *, alpha=1.0, beta=1.0, broadcast=0, transA=0, transB=0):
    if not _ok(a, b, c):
        return on_host(_np.gemm_1, a, b, c, alpha=alpha, beta=beta, broadcast=broadcast, transA=transA,
                       transB=transB)
    _np.check_c_unbroadcast(a, b, c, broadcast, transA, transB)
    return gemm(a, b, c, alpha, beta, transA, transB)


@kernel("Gemm", since=7, until=10)
def gemm_7(a, b, c, *, alpha=1.0, beta=1.0, transA=0, transB=0):
    if not _ok(a, b, c):
        return on_host(_np.gemm_7, a, b, c, alpha=alpha, beta=beta, transA=transA, transB=transB)
    return gemm(a, b, c, alpha, beta, transA, transB)


@kernel("Gemm", since=11)
def gemm_11(a, b, c=None, *, alpha=1.0, beta=1.0, transA=0, transB=0):
    if not _ok(a, b, c):
        return on_host(_np.gemm_11, a, b, c, alpha=alpha, beta=beta, transA=transA, transB=transB)
    return gemm(a, b, c, alpha, beta, transA, transB)
