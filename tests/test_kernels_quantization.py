"""Quantization kernels against onnxruntime: QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear,
MatMulInteger, ConvInteger, QLinearMatMul, QLinearConv, plus the revision coverage of the group.

onnxruntime's Python API takes and returns no float8, 4-bit or 2-bit arrays, so such values cross
it inside a model: they come from initializers and leave through a Cast or a DequantizeLinear.
Where onnxruntime has no kernel at all (opset 28, float4e2m1 and int2 quantization, float8e8m0
scales, blocked float8), the expectation is computed by hand with NumPy and ml_dtypes.
"""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest
from onnx import TensorProto as T
from onnx import helper

import refrt
from oracle import check_model, check_node, feeds_of, make_model, refrt_node
from revisions import check_kernel_attributes, schema_id, schemas

rng = np.random.default_rng(11)
f32 = np.float32

QUANT_OPS = (
    "QuantizeLinear DequantizeLinear DynamicQuantizeLinear MatMulInteger ConvInteger QLinearMatMul QLinearConv"
).split()


@pytest.mark.parametrize("schema", schemas(QUANT_OPS), ids=schema_id)
def test_every_revision_has_a_kernel_with_the_schema_attributes(schema):
    check_kernel_attributes(schema)


# ---------------------------------------------------------------- QuantizeLinear

# Halves (round to even), saturation both ways, NaN and infinities.
X_SPECIAL = np.array([0, 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.49, 300, -300, 1e10, np.nan, np.inf, -np.inf, 7.2, -7.7],
                     f32)


@pytest.mark.parametrize("opset", [10, 13, 19, 21, 23, 24, 25])
@pytest.mark.parametrize("zp_dtype", [np.uint8, np.int8, None])
def test_quantize_per_tensor(opset, zp_dtype):
    inputs = {"x": X_SPECIAL, "s": np.array(0.5, f32), "z": None if zp_dtype is None else np.array(3, zp_dtype)}
    check_node("QuantizeLinear", inputs, opset=opset)
    inputs["s"] = np.array([2.0], f32)  # a one-element 1-D scale is per tensor too
    check_node("QuantizeLinear", inputs, opset=opset)


@pytest.mark.parametrize("opset", [10, 13, 19, 21, 25])
@pytest.mark.parametrize("zp_dtype", [np.uint8, np.int8, None])
def test_quantize_0d(opset, zp_dtype):
    # A 0-d input once failed (the rounded value was a NumPy scalar, clipped in place with out=).
    for v in (7.2, -300.0, np.nan):
        z = None if zp_dtype is None else np.array(3, zp_dtype)
        check_node("QuantizeLinear", {"x": np.array(v, f32), "s": np.array(0.5, f32), "z": z}, opset=opset)


@pytest.mark.parametrize("opset", [21, 25])
@pytest.mark.parametrize("zp_dtype", [np.uint16, np.int16])
def test_quantize_16_bit(opset, zp_dtype):
    x = np.concatenate([X_SPECIAL, np.array([70000.7, -40000, 12345.5, 12344.5], f32)])
    check_node("QuantizeLinear", {"x": x, "s": np.array(0.25, f32), "z": np.array(100, zp_dtype)}, opset=opset)


@pytest.mark.parametrize("opset", [13, 19, 21, 23])
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_quantize_per_axis(opset, axis):
    x = (rng.standard_normal((3, 4, 5)) * 100).astype(f32)
    d = x.shape[axis]
    s = (rng.random(d) + 0.1).astype(f32)
    z = rng.integers(-20, 20, d).astype(np.int8)
    check_node("QuantizeLinear", {"x": x, "s": s, "z": z}, {"axis": axis}, opset=opset)


@pytest.mark.parametrize("opset", [21, 23])
@pytest.mark.parametrize("shape, axis, block", [((4, 6), 1, 2), ((4, 7), 1, 3), ((6, 2, 3), 0, 4), ((5, 4), -2, 5)])
def test_quantize_blocked(opset, shape, axis, block):
    x = (rng.standard_normal(shape) * 50).astype(f32)
    sshape = list(shape)
    sshape[axis] = -(-shape[axis] // block)
    s = (rng.random(sshape) + 0.2).astype(f32)
    z = rng.integers(0, 30, sshape).astype(np.uint8)
    check_node("QuantizeLinear", {"x": x, "s": s, "z": z}, {"axis": axis, "block_size": block}, opset=opset)


def test_quantize_zero_scale_and_empty_input():
    # x / 0 saturates, 0 / 0 (NaN) gives the lowest value, as in onnxruntime.
    check_node("QuantizeLinear", {"x": np.array([1, -1, 0], f32), "s": np.array(0, f32), "z": np.array(5, np.uint8)},
               opset=21)
    check_node("QuantizeLinear", {"x": np.zeros((0, 3), f32), "s": np.array(1, f32), "z": np.array(0, np.int8)},
               opset=21)
    check_node("DequantizeLinear", {"x": np.zeros((0, 3), np.uint8), "s": np.array(1, f32)}, opset=21)


def test_quantize_output_dtype_without_zero_point():
    check_node("QuantizeLinear", {"x": X_SPECIAL, "s": np.array(0.5, f32)}, {"output_dtype": T.INT8}, opset=21)
    check_node("QuantizeLinear", {"x": X_SPECIAL, "s": np.array(0.5, f32)}, {"output_dtype": T.UINT16}, opset=23)


@pytest.mark.parametrize("opset", [19, 21])
def test_quantize_float16_input_and_scale_divide_in_float32(opset):
    # Before opset 23 onnxruntime divides float16 values in float32.
    x = np.array([3332.9, 3333.2, 2049.5, 1027.25, -7.5, 65504], np.float16)
    check_node("QuantizeLinear", {"x": x, "s": np.array(0.999, np.float16), "z": np.array(0, np.int8)}, opset=opset)
    if opset == 21:
        inputs = {"x": x, "s": np.array(0.999, np.float16), "z": np.array(5, np.int16)}
        check_node("QuantizeLinear", inputs, opset=opset)


@pytest.mark.parametrize("precision", [None, T.FLOAT, T.FLOAT16])
@pytest.mark.parametrize("x_dtype, s_dtype",
                         [(f32, np.float16), (np.float16, np.float16), (np.float16, f32), (f32, f32)])
def test_quantize_division_precision_from_opset_23(precision, x_dtype, s_dtype):
    # From opset 23 the division runs in the scale's type, or in ``precision``.
    x = np.array([3332.9, 3333.2, 2049.5, 1027.25, -7.5, 1000.3, 77.7], x_dtype)
    attrs = {} if precision is None else {"precision": precision}
    check_node("QuantizeLinear", {"x": x, "s": np.array(0.999, s_dtype), "z": np.array(0, np.int16)}, attrs, opset=23)


FLOAT8 = [T.FLOAT8E4M3FN, T.FLOAT8E4M3FNUZ, T.FLOAT8E5M2, T.FLOAT8E5M2FNUZ]


def quantize_then_cast(x, scale, zero_point, attrs, *, opset, to=T.FLOAT):
    """x -> QuantizeLinear -> Cast(to): the quantized values leave the model in a type both APIs know."""
    inputs = {"x": x, "s": scale, "z": zero_point}
    names = ["x", "s", "z"] if zero_point is not None else ["x", "s"]
    nodes = [helper.make_node("QuantizeLinear", names, ["q"], **attrs), helper.make_node("Cast", ["q"], ["y"], to=to)]
    inits = ["z"] if zero_point is not None else []
    present = {k: v for k, v in inputs.items() if v is not None}
    model = make_model(nodes, present, ["y"], opset=opset, initializers=inits)
    return model, feeds_of(inputs, inits)


@pytest.mark.parametrize("elem", FLOAT8, ids=lambda t: T.DataType.Name(t))
@pytest.mark.parametrize("saturate", [1, 0])
@pytest.mark.parametrize("opset", [19, 21])
def test_quantize_float8(elem, saturate, opset):
    x = np.array([0, 0.3, 1.5, -2.5, 100, 448, 500, 60000, 70000, -1e6, np.inf, -np.inf, np.nan, 1e-4], f32)
    zp = np.array(0, helper.tensor_dtype_to_np_dtype(elem))
    model, feeds = quantize_then_cast(x, np.array(2.0, f32), zp, {"saturate": saturate}, opset=opset)
    check_model(model, feeds)


def test_quantize_float8_ignores_its_zero_point_as_onnxruntime():
    zp = np.array(2, ml_dtypes.float8_e4m3fn)
    model, feeds = quantize_then_cast(np.array([0, 1.5, -3], f32), np.array(1.0, f32), zp, {}, opset=21)
    got = check_model(model, feeds)[0]
    np.testing.assert_array_equal(got, [0, 1.5, -3])


@pytest.mark.parametrize("elem", [T.INT4, T.UINT4], ids=lambda t: T.DataType.Name(t))
def test_quantize_int4_through_cast(elem):
    x = np.array([0, 1.5, 2.5, -2.5, 7.4, 8.6, -9, 20, -20, np.nan], f32)
    zp = np.array(1, helper.tensor_dtype_to_np_dtype(elem))
    model, feeds = quantize_then_cast(x, np.array(1.0, f32), zp, {}, opset=21, to=T.INT32)
    got = check_model(model, feeds)[0]
    lo, hi = (-8, 7) if elem == T.INT4 else (0, 15)
    want = np.clip(np.rint(np.nan_to_num(x, nan=-1e9)) + 1, lo, hi)
    np.testing.assert_array_equal(got, want)


def _by_hand(x, scale, zp, lo, hi):
    return np.clip(np.rint(x / scale) + zp, lo, hi)


@pytest.mark.parametrize("elem, lo, hi", [(T.INT2, -2, 1), (T.UINT2, 0, 3), (T.INT4, -8, 7), (T.UINT4, 0, 15),
                                          (T.INT8, -128, 127), (T.UINT16, 0, 65535)])
@pytest.mark.parametrize("opset", [25, 28])
def test_quantize_small_integers_by_hand(elem, lo, hi, opset):
    # onnxruntime cannot run these (no int2 kernel, no opset 28): NumPy is the reference.
    x = np.array([-5, -2.5, -1.5, -0.5, 0, 0.5, 1.5, 2.5, 3.7, 20, np.nan], f32)
    dtype = helper.tensor_dtype_to_np_dtype(elem)
    zp = np.array(1 if lo < 0 else 2, dtype)
    (y,) = refrt_node("QuantizeLinear", {"x": x, "s": np.array(0.5, f32), "z": zp}, opset=opset)
    assert y.dtype == dtype
    want = _by_hand(np.nan_to_num(x, nan=-1e9), 0.5, int(zp), lo, hi)
    np.testing.assert_array_equal(y.astype(np.int64), want)


@pytest.mark.parametrize("elem", [T.FLOAT4E2M1, T.FLOAT6E2M3, T.FLOAT6E3M2], ids=lambda t: T.DataType.Name(t))
def test_quantize_float4_and_float6_by_hand(elem):
    opset = 23 if elem == T.FLOAT4E2M1 else 28
    x = np.array([0, 0.3, 1.1, -2.6, 5, 7, 100, -100], f32)
    dtype = helper.tensor_dtype_to_np_dtype(elem)
    (y,) = refrt_node("QuantizeLinear", {"x": x, "s": np.array(2.0, f32)}, {"output_dtype": elem}, opset=opset)
    assert y.dtype == dtype
    np.testing.assert_array_equal(y.view(np.uint8), (x / 2).astype(dtype).view(np.uint8))
    for saturate in (0, 1):  # no infinities: saturate changes nothing
        (y,) = refrt_node("QuantizeLinear", {"x": x, "s": np.array(2.0, f32), "z": np.array(0, dtype)},
                          {"saturate": saturate}, opset=opset)
        np.testing.assert_array_equal(y.astype(f32), (x / 2).astype(dtype).astype(f32))


def test_quantize_float8e8m0_scale_by_hand():
    # onnxruntime has no float8e8m0 scales.
    x = np.array([1, 2, 3, 4.5, -100], f32)
    s = np.array([4.0], ml_dtypes.float8_e8m0fnu)
    (y,) = refrt_node("QuantizeLinear", {"x": x, "s": s, "z": np.array([0], np.int8)}, opset=24)
    np.testing.assert_array_equal(y, np.rint(x / 4).astype(np.int8))


def test_quantize_blocked_float8_by_hand():
    x = (rng.standard_normal((2, 6)) * 100).astype(f32)
    s = np.array([[1, 2, 4], [8, 16, 0.5]], f32)
    zp = np.zeros((2, 3), ml_dtypes.float8_e4m3fn)
    (y,) = refrt_node("QuantizeLinear", {"x": x, "s": s, "z": zp}, {"axis": 1, "block_size": 2}, opset=28)
    want = np.clip(x / np.repeat(s, 2, axis=1), -448, 448).astype(ml_dtypes.float8_e4m3fn)
    np.testing.assert_array_equal(y.view(np.uint8), want.view(np.uint8))


@pytest.mark.parametrize(
    "inputs, attrs, opset, match",
    [
        ({"x": np.ones((2, 3), f32), "s": np.ones(2, f32), "z": np.zeros(2, np.uint8)}, {}, 21,
         "1-D tensor of length 3"),
        ({"x": np.ones((2, 3), f32), "s": np.ones((2, 3), f32), "z": np.zeros((2, 3), np.uint8)},
         {"block_size": 2}, 21, "blocked y_scale must have shape"),
        ({"x": np.ones(3, f32), "s": np.ones(3, f32), "z": np.zeros(3, np.uint8)}, {}, 10, "must be a scalar"),
    ],
)
def test_quantize_bad_layouts(inputs, attrs, opset, match):
    with pytest.raises(refrt.Fail, match=match):
        refrt_node("QuantizeLinear", inputs, attrs, opset=opset)


# ---------------------------------------------------------------- DequantizeLinear


@pytest.mark.parametrize("opset", [10, 13, 19, 21, 23, 25])
@pytest.mark.parametrize("dtype", [np.uint8, np.int8])
def test_dequantize_per_tensor(opset, dtype):
    info = np.iinfo(dtype)
    x = np.array([info.min, -1 if info.min else 1, 0, 7, info.max], dtype)
    check_node("DequantizeLinear", {"x": x, "s": np.array(0.37, f32), "z": np.array(5, dtype)}, opset=opset)
    check_node("DequantizeLinear", {"x": x, "s": np.array(0.37, f32)}, opset=opset)


@pytest.mark.parametrize("opset", [10, 13, 21])
def test_dequantize_int32(opset):
    x = np.array([-(2**31), 16777217, 2**31 - 1, -5, 0], np.int32)
    check_node("DequantizeLinear", {"x": x, "s": np.array(1.0000001, f32)}, opset=opset)


@pytest.mark.parametrize("opset", [21, 25])
@pytest.mark.parametrize("dtype", [np.uint16, np.int16])
def test_dequantize_16_bit_to_float16(opset, dtype):
    info = np.iinfo(dtype)
    x = np.array([info.min, 2049, 4097, 0, info.max], dtype)
    check_node("DequantizeLinear", {"x": x, "s": np.array(1.001, np.float16), "z": np.array(3, dtype)}, opset=opset,
               rtol=0, atol=0)


@pytest.mark.parametrize("opset", [13, 19, 21, 23])
@pytest.mark.parametrize("axis", [0, 2, -2])
def test_dequantize_per_axis(opset, axis):
    x = rng.integers(0, 256, (3, 4, 5)).astype(np.uint8)
    d = x.shape[axis]
    check_node("DequantizeLinear", {"x": x, "s": (rng.random(d) + 0.1).astype(f32),
                                    "z": rng.integers(0, 256, d).astype(np.uint8)}, {"axis": axis}, opset=opset)


@pytest.mark.parametrize("shape, axis, block", [((4, 6), 1, 2), ((4, 7), 1, 3), ((7, 3), 0, 2)])
def test_dequantize_blocked(shape, axis, block):
    x = rng.integers(-128, 128, shape).astype(np.int8)
    sshape = list(shape)
    sshape[axis] = -(-shape[axis] // block)
    s = (rng.random(sshape) + 0.1).astype(f32)
    z = rng.integers(-10, 10, sshape).astype(np.int8)
    check_node("DequantizeLinear", {"x": x, "s": s, "z": z}, {"axis": axis, "block_size": block}, opset=21)


def test_dequantize_output_dtype():
    x = np.array([255, 1, 0, 128], np.uint8)
    check_node("DequantizeLinear", {"x": x, "s": np.array(1.001, f32)}, {"output_dtype": T.FLOAT16}, opset=23,
               rtol=0, atol=0)


@pytest.mark.parametrize("elem", FLOAT8 + [T.INT4, T.UINT4], ids=lambda t: T.DataType.Name(t))
def test_dequantize_narrow_inputs_from_initializers(elem):
    dtype = helper.tensor_dtype_to_np_dtype(elem)
    values = np.array([0, 1, 2.5, 3, -3, 7, -8, 0.375] if elem not in (T.INT4, T.UINT4) else [0, 1, 3, 7, -8, -1, 5],
                      f32)
    if elem == T.UINT4:
        values = np.abs(values)
    x = values.astype(dtype)
    zp = np.array(0 if elem in FLOAT8 else 2, dtype)
    check_node("DequantizeLinear", {"x": x, "s": np.array(1.5, f32), "z": zp}, opset=21, initializers=["x", "z"])


def test_dequantize_float8_zero_point_must_be_zero():
    x = np.array([1, 2], ml_dtypes.float8_e4m3fn)
    with pytest.raises(refrt.Fail, match="zero point of 0"):
        refrt_node("DequantizeLinear", {"x": x, "s": np.array(1, f32), "z": np.array(1, ml_dtypes.float8_e4m3fn)},
                   opset=21)


@pytest.mark.parametrize("elem", [T.INT2, T.UINT2, T.FLOAT4E2M1, T.FLOAT6E2M3, T.FLOAT6E3M2],
                         ids=lambda t: T.DataType.Name(t))
def test_dequantize_by_hand(elem):
    # onnxruntime has no kernel for these types.
    dtype = helper.tensor_dtype_to_np_dtype(elem)
    x = np.array([0, 1, -1, 1, -2, 1.5, 3, -0.5] if elem in (T.FLOAT4E2M1, T.FLOAT6E2M3, T.FLOAT6E3M2)
                 else ([0, 1, -2, -1] if elem == T.INT2 else [0, 1, 2, 3]), f32).astype(dtype)
    zp = np.array(1, dtype)
    (y,) = refrt_node("DequantizeLinear", {"x": x, "s": np.array(0.5, f32), "z": zp}, opset=28)
    np.testing.assert_array_equal(y, (x.astype(f32) - 1) * f32(0.5))
    opset = 28 if elem in (T.FLOAT6E2M3, T.FLOAT6E3M2) else 25
    (y,) = refrt_node("DequantizeLinear", {"x": x, "s": np.array(0.5, f32)}, {"output_dtype": T.BFLOAT16}, opset=opset)
    assert y.dtype == ml_dtypes.bfloat16


def test_dequantize_float8e8m0_scale_and_bfloat16_by_hand():
    x = np.array([-3, 0, 5, 127], np.int8)
    (y,) = refrt_node("DequantizeLinear", {"x": x, "s": np.array(0.25, ml_dtypes.float8_e8m0fnu)},
                      {"output_dtype": T.FLOAT}, opset=24)
    np.testing.assert_array_equal(y, x.astype(f32) * 0.25)
    (y,) = refrt_node("DequantizeLinear", {"x": x, "s": np.array(3, ml_dtypes.bfloat16)}, opset=21)
    assert y.dtype == ml_dtypes.bfloat16
    np.testing.assert_array_equal(y, (x.astype(f32) * 3).astype(ml_dtypes.bfloat16))


@pytest.mark.parametrize("opset", [21, 23])
def test_quantize_dequantize_round_trip_blocked_int4(opset):
    # int4 crosses onnxruntime's API only inside the model.
    x = (rng.standard_normal((3, 8)) * 4).astype(f32)
    s = (rng.random((3, 2)) + 0.3).astype(f32)
    z = rng.integers(-3, 3, (3, 2)).astype(ml_dtypes.int4)
    attrs = {"axis": 1, "block_size": 4}
    nodes = [helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q"], **attrs),
             helper.make_node("DequantizeLinear", ["q", "s", "z"], ["y"], **attrs)]
    model = make_model(nodes, {"x": x, "s": s, "z": z}, ["y"], opset=opset, initializers=["s", "z"])
    check_model(model, {"x": x})


# ---------------------------------------------------------------- DynamicQuantizeLinear


@pytest.mark.parametrize(
    "x",
    [
        np.array([0, 2, -3, -2.5, 1.34, 0.5], f32),
        np.array([-1.0, -2.1, -1.3, -2.5, -3.34, -4.0], f32),
        np.array([1, 2.1, 1.3, 2.5, 3.34, 4.0, 1.5, 2.6, 3.9, 4.0, 3.0, 2.345], f32).reshape(3, 4),
        np.zeros((2, 2), f32),
        (np.random.default_rng(3).standard_normal((4, 5, 6)) * 7).astype(f32),
        np.array([np.nan, 1, 2, -0.5], f32),  # NaN takes no part in the range
        np.zeros(0, f32),
        np.array(0.7, f32),  # 0-d: once failed (a NumPy scalar handed to a ufunc's out=)
        np.array(-3.5, f32),
    ],
    ids=["mixed", "negative", "positive", "zeros", "random", "nan", "empty", "0-d", "0-d negative"],
)
def test_dynamic_quantize_linear(x):
    check_node("DynamicQuantizeLinear", {"x": x}, opset=11, n_outputs=3)


# ---------------------------------------------------------------- MatMulInteger

# onnxruntime multiplies uint8 by int8 with an instruction (vpmaddubsw) that saturates the sum of
# each pair of products to int16 (see test_u8_s8_products_are_exact): against it, such operands
# stay within [-64, 63] on the signed side so that no pair sum can exceed 32767.


def ints(dtype, shape, *, mixed=False):
    lo, hi = np.iinfo(dtype).min, np.iinfo(dtype).max
    if mixed and dtype == np.int8:
        lo, hi = -64, 63
    return rng.integers(lo, hi + 1, shape).astype(dtype)


def test_u8_s8_products_are_exact():
    # The spec: "The production MUST never overflow"; onnxruntime gives 32767 here.
    a = np.full((1, 2), 255, np.uint8)
    b = np.full((2, 1), 127, np.int8)
    (y,) = refrt_node("MatMulInteger", {"A": a, "B": b}, opset=10)
    np.testing.assert_array_equal(y, [[64770]])
    (y,) = refrt_node("MatMulInteger", {"A": a, "B": -b - 1}, opset=10)
    np.testing.assert_array_equal(y, [[-65280]])


@pytest.mark.parametrize("ta, tb", [(np.uint8, np.uint8), (np.uint8, np.int8), (np.int8, np.int8), (np.int8, np.uint8)])
@pytest.mark.parametrize("sa, sb", [((3, 4), (4, 5)), ((2, 3, 4), (4, 5)), ((2, 1, 3, 4), (3, 4, 2)), ((4,), (4, 3))])
def test_mat_mul_integer(ta, tb, sa, sb):
    mixed = ta != tb
    a, b = ints(ta, sa, mixed=mixed), ints(tb, sb, mixed=mixed)
    check_node("MatMulInteger", {"A": a, "B": b}, opset=10)
    check_node("MatMulInteger", {"A": a, "B": b, "az": np.array(12, ta), "bz": np.array(3, tb)}, opset=10)


def test_mat_mul_integer_per_row_and_column_zero_points():
    a = rng.integers(0, 256, (2, 3, 4)).astype(np.uint8)
    b = rng.integers(0, 256, (4, 5)).astype(np.uint8)
    bz = np.arange(5, dtype=np.uint8)
    check_node("MatMulInteger", {"A": a, "B": b, "az": np.array(9, np.uint8), "bz": bz}, opset=10)
    # onnxruntime takes no per-row zero point of A: NumPy is the reference.
    for az in (np.array([1, 2, 3], np.uint8), np.array([7, 8, 9], np.uint8).reshape(3, 1)):
        (y,) = refrt_node("MatMulInteger", {"A": a, "B": b, "az": az, "bz": bz}, opset=10)
        want = (a.astype(np.int64) - az.reshape(3, 1)) @ (b.astype(np.int64) - bz)
        np.testing.assert_array_equal(y, want.astype(np.int32))


# ---------------------------------------------------------------- ConvInteger


@pytest.mark.parametrize(
    "xshape, wshape, attrs",
    [
        ((1, 1, 5, 5), (1, 1, 3, 3), {}),
        ((2, 3, 6, 5), (4, 3, 3, 2), {"pads": [1, 0, 2, 1], "strides": [2, 1]}),
        ((1, 4, 7, 7), (4, 2, 3, 3), {"group": 2, "dilations": [2, 2], "pads": [2, 1, 1, 2]}),
        ((1, 2, 6, 7), (2, 2, 3, 2), {"auto_pad": "SAME_UPPER", "strides": [2, 2]}),
        ((1, 2, 9), (3, 2, 4), {"strides": [3], "pads": [2, 2]}),
        ((1, 1, 4, 4, 4), (2, 1, 2, 2, 2), {"auto_pad": "VALID"}),
    ],
)
@pytest.mark.parametrize("tx", [np.uint8, np.int8])
def test_conv_integer(xshape, wshape, attrs, tx):
    x = ints(tx, xshape, mixed=True)
    w = rng.integers(0, 256, wshape).astype(np.uint8)
    check_node("ConvInteger", {"x": x, "w": w}, attrs, opset=10)
    check_node("ConvInteger", {"x": x, "w": w, "xz": np.array(7, tx), "wz": np.array(128, np.uint8)}, attrs, opset=10)


def test_conv_integer_per_channel_weight_zero_point_by_hand():
    x = rng.integers(0, 256, (1, 2, 4, 4)).astype(np.uint8)
    w = rng.integers(0, 256, (3, 2, 2, 2)).astype(np.uint8)
    wz = np.array([1, 100, 255], np.uint8)
    (y,) = refrt_node("ConvInteger", {"x": x, "w": w, "xz": np.array(9, np.uint8), "wz": wz}, opset=10)
    # onnxruntime's ConvInteger takes only a per-tensor weight zero point: compare each output
    # channel with a one-channel ConvInteger, itself checked against onnxruntime.
    for m in range(3):
        (ym,) = check_node("ConvInteger", {"x": x, "w": w[m : m + 1], "xz": np.array(9, np.uint8),
                                           "wz": wz[m : m + 1].reshape(())}, opset=10)
        np.testing.assert_array_equal(y[:, m : m + 1], ym)


# ---------------------------------------------------------------- QLinearMatMul


def qlinear_matmul_inputs(ta, tb, ty, sa, sb, *, scale_dtype=f32, per_row=False, per_col=False):
    mixed = ta != tb
    a, b = ints(ta, sa, mixed=mixed), ints(tb, sb, mixed=mixed)
    m, n = (sa[-2] if len(sa) > 1 else 1), sb[-1]
    a_scale = (rng.random(m) * 0.05 + 0.01) if per_row else np.array(0.0273)
    a_zp = rng.integers(0, 20, m) if per_row else np.array(11)
    b_scale = (rng.random(n) * 0.05 + 0.01) if per_col else np.array(0.0119)
    b_zp = rng.integers(0, 20, n) if per_col else np.array(3)
    return {
        "a": a, "as": a_scale.astype(scale_dtype), "az": a_zp.astype(ta),
        "b": b, "bs": b_scale.astype(scale_dtype), "bz": b_zp.astype(tb),
        "ys": np.array(0.193, scale_dtype), "yz": np.array(9, ty),
    }


@pytest.mark.parametrize("opset", [10, 21])
@pytest.mark.parametrize("ta, tb, ty", [(np.uint8, np.uint8, np.uint8), (np.int8, np.int8, np.int8),
                                        (np.uint8, np.int8, np.uint8)])
@pytest.mark.parametrize("sa, sb", [((3, 4), (4, 5)), ((2, 3, 4), (4, 5)), ((2, 3, 7), (2, 7, 2))])
def test_qlinear_mat_mul(opset, ta, tb, ty, sa, sb):
    check_node("QLinearMatMul", qlinear_matmul_inputs(ta, tb, ty, sa, sb), opset=opset)


def test_qlinear_mat_mul_per_column():
    inputs = qlinear_matmul_inputs(np.uint8, np.uint8, np.uint8, (3, 6), (6, 4), per_col=True)
    check_node("QLinearMatMul", inputs, opset=10)


def test_qlinear_mat_mul_per_row_by_hand():
    # onnxruntime takes no per-row parameters of a: NumPy is the reference.
    inputs = qlinear_matmul_inputs(np.uint8, np.uint8, np.uint8, (3, 6), (6, 4), per_row=True, per_col=True)
    (y,) = refrt_node("QLinearMatMul", inputs, opset=21)
    a = inputs["a"].astype(np.int64) - inputs["az"].reshape(3, 1)
    b = inputs["b"].astype(np.int64) - inputs["bz"]
    multiplier = inputs["as"].reshape(3, 1) * inputs["bs"] / inputs["ys"]
    want = np.clip(np.rint((a @ b).astype(f32) * multiplier) + 9, 0, 255).astype(np.uint8)
    np.testing.assert_array_equal(y, want)


def test_qlinear_mat_mul_float16_scales():
    inputs = qlinear_matmul_inputs(np.uint8, np.int8, np.uint8, (2, 3, 5), (5, 4), scale_dtype=np.float16)
    check_node("QLinearMatMul", inputs, opset=21)


def test_qlinear_mat_mul_float8_by_hand():
    # onnxruntime has no float8 QLinearMatMul: dequantize, multiply, quantize with NumPy.
    e4m3 = ml_dtypes.float8_e4m3fn
    a = (rng.standard_normal((3, 4)) * 4).astype(e4m3)
    b = (rng.standard_normal((4, 2)) * 4).astype(e4m3)
    zero = np.array(0, e4m3)
    inputs = {"a": a, "as": np.array(0.5, f32), "az": zero, "b": b, "bs": np.array(2.0, f32), "bz": zero,
              "ys": np.array(0.25, f32), "yz": zero}
    (y,) = refrt_node("QLinearMatMul", inputs, opset=21)
    want = ((a.astype(np.float64) @ b.astype(np.float64)) * (0.5 * 2.0 / 0.25)).astype(f32)
    np.testing.assert_array_equal(y.view(np.uint8), np.clip(want, -448, 448).astype(e4m3).view(np.uint8))


# ---------------------------------------------------------------- QLinearConv


@pytest.mark.parametrize(
    "xshape, wshape, attrs",
    [
        ((1, 1, 7, 7), (1, 1, 1, 1), {}),
        ((2, 3, 6, 5), (4, 3, 3, 2), {"pads": [1, 0, 2, 1], "strides": [2, 1]}),
        ((1, 4, 7, 7), (6, 2, 3, 3), {"group": 2, "dilations": [2, 1], "pads": [1, 2, 2, 0]}),
        ((1, 2, 6, 7), (2, 2, 3, 2), {"auto_pad": "SAME_LOWER", "strides": [2, 1]}),
        ((1, 2, 9), (3, 2, 4), {"strides": [3], "pads": [2, 2]}),
        ((1, 2, 4, 4, 4), (2, 2, 2, 2, 2), {"auto_pad": "VALID"}),
    ],
)
@pytest.mark.parametrize("tx, tw, ty", [(np.uint8, np.uint8, np.uint8), (np.int8, np.int8, np.int8),
                                        (np.uint8, np.int8, np.uint8)])
@pytest.mark.parametrize("per_channel", [False, True])
def test_qlinear_conv(xshape, wshape, attrs, tx, tw, ty, per_channel):
    x, w = ints(tx, xshape, mixed=tx != tw), ints(tw, wshape, mixed=tx != tw)
    m = wshape[0]
    ws = (rng.random(m) * 0.01 + 0.001).astype(f32) if per_channel else np.array(0.0042, f32)
    wz = ints(tw, m, mixed=tx != tw) if per_channel else np.array(5 if tw == np.uint8 else -3, tw)
    inputs = {"x": x, "xs": np.array(0.0315, f32), "xz": np.array(7, tx), "w": w, "ws": ws, "wz": wz,
              "ys": np.array(0.087, f32), "yz": np.array(3, ty), "B": rng.integers(-2000, 2000, m).astype(np.int32)}
    check_node("QLinearConv", inputs, attrs, opset=10, initializers=["w", "ws", "wz"])
    inputs["B"] = None
    check_node("QLinearConv", inputs, attrs, opset=10, initializers=["w", "ws", "wz"])


def test_qlinear_conv_per_channel_zero_point_by_hand():
    x = rng.integers(0, 256, (1, 2, 5, 5)).astype(np.uint8)
    w = rng.integers(0, 256, (3, 2, 3, 3)).astype(np.uint8)
    wz = np.array([0, 128, 255], np.uint8)
    ws = np.array([0.01, 0.02, 0.005], f32)
    inputs = {"x": x, "xs": np.array(0.05, f32), "xz": np.array(10, np.uint8), "w": w, "ws": ws, "wz": wz,
              "ys": np.array(0.5, f32), "yz": np.array(100, np.uint8)}
    (y,) = refrt_node("QLinearConv", inputs, {"pads": [1, 1, 1, 1]}, opset=10)
    (acc,) = refrt_node("ConvInteger", {"x": x, "w": w, "xz": np.array(10, np.uint8), "wz": wz},
                        {"pads": [1, 1, 1, 1]}, opset=10)
    multiplier = (f32(0.05) * ws / f32(0.5)).reshape(3, 1, 1)
    want = np.clip(np.rint(acc.astype(f32) * multiplier) + 100, 0, 255).astype(np.uint8)
    np.testing.assert_array_equal(y, want)
