"""MatMulInteger: (A - a_zero_point) @ (B - b_zero_point) of 8-bit integers, as int32.

a_zero_point may be per row (M values, or [..., M, 1]), b_zero_point per column (N values, or
[..., 1, N]).
"""

from __future__ import annotations

from refrt.registry import kernel

from ._quant_util import check_zero_point, exact_matmul, minus_zero_point, row_layout, wrap_int32


@kernel("MatMulInteger", since=10)
def mat_mul_integer(a, b, a_zero_point=None, b_zero_point=None):
    check_zero_point(a_zero_point, a, "MatMulInteger", "a_zero_point")
    check_zero_point(b_zero_point, b, "MatMulInteger", "b_zero_point")
    ad = minus_zero_point(a, row_layout(a_zero_point, a), "MatMulInteger")
    bd = minus_zero_point(b, b_zero_point, "MatMulInteger")
    return wrap_int32(exact_matmul(ad, bd))
