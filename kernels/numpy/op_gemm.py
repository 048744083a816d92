"""Gemm: Y = alpha * A' @ B' + beta * C, with A' / B' optionally transposed and C broadcast to (M, N)."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._tensor_util import compute_dtype


def operands(a, b, trans_a, trans_b):
    """(A', B'): A and B, transposed where asked, checked to be 2-D with matching inner dimensions.
    Only shapes are read, so the CUDA provider's Gemm checks its device arrays with it too."""
    if a.ndim != 2 or b.ndim != 2:
        raise ValueError(f"Gemm needs 2-D A and B, got shapes {a.shape} and {b.shape}")
    a = a.T if trans_a else a
    b = b.T if trans_b else b
    if a.shape[1] != b.shape[0]:
        raise ValueError(f"Gemm: inner dimensions differ, A' is {a.shape} and B' is {b.shape}")
    return a, b


def check_c_unbroadcast(a, b, c, broadcast, trans_a, trans_b) -> None:
    """Before opset 7 C is broadcast only when asked to; otherwise it must already be (M, N)."""
    if not broadcast:
        m = a.shape[1] if trans_a else a.shape[0]
        n = b.shape[0] if trans_b else b.shape[1]
        if c.shape != (m, n):
            raise ValueError(f"Gemm with broadcast=0 needs C of shape ({m}, {n}), got {c.shape}")


def _gemm(a, b, c, alpha, beta, trans_a, trans_b):
    a, b = operands(a, b, trans_a, trans_b)
    m, n = a.shape[0], b.shape[1]
    work = compute_dtype(a.dtype)
    y = np.matmul(a.astype(work, copy=False), b.astype(work, copy=False))
    if work.kind == "f":
        # y is this call's own array: scale and add in place (no temporaries; an in-place add
        # accepts exactly the C that broadcasts unidirectionally to (M, N)).
        if alpha != 1.0:
            y *= work.type(alpha)
        if c is not None and beta != 0.0:
            c = c.astype(work, copy=False)
            try:
                y += c if beta == 1.0 else c * work.type(beta)
            except ValueError:
                raise ValueError(f"Gemm: C of shape {c.shape} does not broadcast to ({m}, {n})") from None
        return y.astype(a.dtype, copy=False)
    if alpha != 1.0:
        y = y * alpha
    if c is not None and beta != 0.0:
        try:
            c = np.broadcast_to(c, (m, n))  # unidirectional: C must broadcast to (M, N)
        except ValueError:
            raise ValueError(f"Gemm: C of shape {c.shape} does not broadcast to ({m}, {n})") from None
        y = y + (c if beta == 1.0 else c * beta)
    return np.asarray(y).astype(a.dtype, copy=False)


@kernel("Gemm", since=1, until=6)
def gemm_1(a, b, c, *, alpha=1.0, beta=1.0, broadcast=0, transA=0, transB=0):
    check_c_unbroadcast(a, b, c, broadcast, transA, transB)
    return _gemm(a, b, c, alpha, beta, transA, transB)


@kernel("Gemm", since=7, until=10)
def gemm_7(a, b, c, *, alpha=1.0, beta=1.0, transA=0, transB=0):
    return _gemm(a, b, c, alpha, beta, transA, transB)


@kernel("Gemm", since=11)
def gemm_11(a, b, c=None, *, alpha=1.0, beta=1.0, transA=0, transB=0):
    return _gemm(a, b, c, alpha, beta, transA, transB)
