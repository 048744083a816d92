"""MatMul on the device: cuBLAS through xp.matmul. float16 multiplies in float32 and rounds once (as the
NumPy kernel); integer types use CuPy's own matmul (no cuBLAS); other types run the NumPy kernel on
the host (``on_host``)."""

from __future__ import annotations

from refrt.kernels.numpy.op_mat_mul import mat_mul as _numpy_mat_mul
from refrt.registry import kernel

from ._xp import array_namespace, compute_dtype, on_host


def matmul(a, b):
    xp = array_namespace(a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"MatMul needs operands of rank >= 1, got shapes {a.shape} and {b.shape}")
    k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if a.shape[-1] != k_b:
        raise ValueError(f"MatMul: inner dimensions differ, shapes {a.shape} and {b.shape}")
    work = compute_dtype(a.dtype)
    return xp.matmul(a.astype(work, copy=False), b.astype(work, copy=False)).astype(a.dtype, copy=False)


@kernel("MatMul", since=1)
def mat_mul(a, b):
    if a.dtype.kind not in "fiu" or a.dtype != b.dtype or a.dtype.name == "bfloat16":
        return on_host(_numpy_mat_mul, a, b)
    return matmul(a, b)
