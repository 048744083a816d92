"""QLinearMatMul: quantized matmul, y = quantize((a - a_zp) @ (b - b_zp) * a_scale * b_scale / y_scale, y_zp).

Scales and zero points are per tensor, per row of a (M values or [..., M, 1]) or per column of b
(N values or [..., 1, N]). Integer products are exact; as in onnxruntime the combined multiplier
a_scale * b_scale / y_scale is computed in float32 and applied to the accumulator in float32.
Revision 21 adds float16/bfloat16 scales and float8 inputs (whose product is taken in float64).
"""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._quant_util import (
    FLOAT8,
    check_zero_point,
    exact_matmul,
    float_of,
    minus_zero_point,
    requantize,
    row_layout,
)

_OP = "QLinearMatMul"


@kernel(_OP, since=10)
def q_linear_mat_mul(a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale, y_zero_point):
    if y_zero_point is None:
        raise ValueError(f"{_OP}: y_zero_point is required")
    check_zero_point(a_zero_point, a, _OP, "a_zero_point")
    check_zero_point(b_zero_point, b, _OP, "b_zero_point")
    ad = minus_zero_point(a, row_layout(a_zero_point, a), _OP)
    bd = minus_zero_point(b, b_zero_point, _OP)
    if a.dtype not in FLOAT8 and b.dtype not in FLOAT8:
        acc = exact_matmul(ad, bd)
    else:
        acc = np.matmul(ad.astype(np.float64), bd.astype(np.float64))
    f32 = lambda s: float_of(np.asarray(s)).astype(np.float32, copy=False)  # noqa: E731
    multiplier = f32(row_layout(a_scale, a)) * f32(b_scale) / f32(y_scale)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        return requantize(acc, multiplier, y_zero_point, _OP)
