"""Elementwise kernels (arithmetic, math, activations, variadic ops, comparisons and logic) agree
with onnxruntime, one node at a time.

onnxruntime has no kernel for the revisions before opset 6/7 (the legacy ``broadcast``/``axis``
and ``consumed_inputs`` forms): those run in refrt at the old opset and are compared with
onnxruntime running the equivalent node at the first revision it has (see ``check_legacy``).
"""

from __future__ import annotations

import math

import ml_dtypes
import numpy as np
import pytest
from onnx import TensorProto, helper

from oracle import assert_same, check_node, feeds_of, make_node_model, run_ort, run_refrt

RNG = np.random.default_rng(20240601)


def rand(*shape, dtype=np.float32, scale=1.0):
    return np.asarray(RNG.standard_normal(shape) * scale).astype(dtype)


def ints(*shape, dtype=np.int32, low=-20, high=20):
    return RNG.integers(low, high, size=shape).astype(dtype)


def typed_node_model(op, inputs, attrs, *, opset, elem=None):
    """make_node_model, typing the output when onnx's shape inference leaves it untyped (it has no
    inference for some old revisions; refrt's checker, unlike onnxruntime, rejects untyped outputs)."""
    model = make_node_model(op, inputs, attrs, opset=opset)
    first = next(v for v in inputs.values() if v is not None)
    for out in model.graph.output:
        if not out.type.HasField("tensor_type"):
            out.type.tensor_type.elem_type = elem or helper.np_dtype_to_tensor_dtype(first.dtype)
    return model


def check_legacy(op, inputs, attrs, *, opset, ort_opset, ort_inputs=None, ort_attrs=None, rtol=1e-5, atol=1e-6):
    """refrt at a revision onnxruntime lacks, against onnxruntime on the equivalent newer node."""
    bool_out = op in ("Equal", "Less", "Greater", "And", "Or", "Xor")
    model = typed_node_model(op, inputs, attrs, opset=opset, elem=TensorProto.BOOL if bool_out else None)
    got = run_refrt(model, feeds_of(inputs))
    ort_in = inputs if ort_inputs is None else ort_inputs
    expected = run_ort(make_node_model(op, ort_in, ort_attrs or {}, opset=ort_opset), feeds_of(ort_in))
    assert_same(expected, got, rtol, atol)


def check_via_float32(op, inputs, attrs=None, *, opset, rtol=1e-5, atol=1e-6):
    """float64 refrt against onnxruntime's float32 kernel (its CPU has no double one for ``op``), on
    float32-exact inputs: checks the formula and the output type, not the last bits."""
    got = run_refrt(make_node_model(op, inputs, attrs, opset=opset), feeds_of(inputs))
    narrow = {k: None if v is None else v.astype(np.float32) for k, v in inputs.items()}
    expected = run_ort(make_node_model(op, narrow, attrs, opset=opset), feeds_of(narrow))
    assert [g.dtype for g in got] == [np.dtype(np.float64)] * len(got)
    assert_same([e.astype(np.float64) for e in expected], got, rtol, atol)


def refrt_fails(op, inputs, attrs=None, *, opset, match=None):
    """refrt refuses the node at run time with onnxruntime's Fail error."""
    model = typed_node_model(op, inputs, attrs, opset=opset)
    with pytest.raises(Exception, match=match) as info:
        run_refrt(model, feeds_of(inputs))
    assert type(info.value).__name__ == "Fail", f"{type(info.value).__name__}: {info.value}"


# ----------------------------------------------------------------------------------------------
# Binary arithmetic


BINARY_CASES = [
    ("same shape f32", rand(3, 4), rand(3, 4)),
    ("broadcast f32", rand(2, 3, 4), rand(3, 1)),
    ("both broadcast", rand(2, 1, 4), rand(1, 3, 1)),
    ("scalar f32", rand(2, 3), np.array(1.5, np.float32)),
    ("0-d both", np.array(2.0, np.float32), np.array(3.0, np.float32)),
    ("empty", rand(0, 3), rand(3)),
    ("f64", rand(4, 5, dtype=np.float64), rand(5, dtype=np.float64)),
    ("f16", rand(4, 5, dtype=np.float16), rand(5, dtype=np.float16)),
    ("i32", ints(3, 4), ints(4, low=1, high=9)),
    ("i64", ints(3, 4, dtype=np.int64), ints(3, 1, dtype=np.int64, low=1, high=9)),
]


@pytest.mark.parametrize("op", ["Add", "Sub", "Mul", "Div"])
@pytest.mark.parametrize("name, a, b", BINARY_CASES, ids=[c[0] for c in BINARY_CASES])
@pytest.mark.parametrize("opset", [7, 14])
def test_binary_arithmetic(op, name, a, b, opset):
    if op == "Div" and b.dtype.kind == "f":
        b = np.where(np.abs(b) < 0.1, np.asarray(0.5, b.dtype), b)
    check_node(op, {"A": a, "B": b}, opset=opset, rtol=1e-3 if a.dtype == np.float16 else 1e-5)


@pytest.mark.parametrize("op", ["Add", "Sub", "Mul", "Div"])
@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int16, np.uint16, np.uint32, np.uint64])
def test_binary_arithmetic_small_integers_wrap(op, dtype):
    info = np.iinfo(dtype)
    a = np.array([info.max, info.min, 7, 100, info.max // 3], dtype)
    b = np.array([2, 3, 2, 9, 1], dtype)
    check_node(op, {"A": a, "B": b}, opset=14)


def test_integer_div_truncates_toward_zero():
    a = np.array([7, -7, 7, -7, 0, -1, 6, -6], np.int32)
    b = np.array([2, 2, -2, -2, 3, 4, -3, 3], np.int32)
    got = check_node("Div", {"A": a, "B": b}, opset=13)[0]
    np.testing.assert_array_equal(got, [3, -3, -3, 3, 0, 0, -2, -2])
    check_node("Div", {"A": a.astype(np.int64), "B": b.astype(np.int64)}, opset=13)


def test_float_div_by_zero_is_ieee():
    a = np.array([1, -1, 0, np.inf], np.float32)
    check_node("Div", {"A": a, "B": np.zeros(4, np.float32)}, opset=13)


def test_integer_div_by_zero_fails():
    refrt_fails("Div", {"A": np.array([1, 2], np.int32), "B": np.array([1, 0], np.int32)}, opset=13, match="zero")


@pytest.mark.parametrize("op", ["Add", "Sub", "Mul", "Div"])
def test_legacy_broadcast_with_axis(op):
    a, b = rand(2, 3, 4, 5), rand(3, 4) + 3
    check_legacy(op, {"A": a, "B": b}, {"broadcast": 1, "axis": 1}, opset=6, ort_opset=7,
                 ort_inputs={"A": a, "B": b.reshape(3, 4, 1)})


@pytest.mark.parametrize("op", ["Add", "Sub", "Mul", "Div"])
@pytest.mark.parametrize("b_shape", [(5,), (4, 5), (), (1, 1)], ids=str)
def test_legacy_broadcast_suffix(op, b_shape):
    a, b = rand(2, 3, 4, 5), np.asarray(rand(*b_shape) + 3)
    check_legacy(op, {"A": a, "B": b}, {"broadcast": 1}, opset=6, ort_opset=7)


@pytest.mark.parametrize("op", ["Add", "Sub", "Mul", "Div"])
def test_revision_1_with_consumed_inputs(op):
    a, b = rand(3, 4), rand(3, 4) + 3
    check_legacy(op, {"A": a, "B": b}, {"consumed_inputs": [0, 0]}, opset=1, ort_opset=7)
    check_legacy(op, {"A": a, "B": b[0]}, {"broadcast": 1, "axis": 1, "consumed_inputs": [0, 0]}, opset=1,
                 ort_opset=7, ort_inputs={"A": a, "B": b[0]})


def test_legacy_shapes_must_match_without_broadcast():
    refrt_fails("Add", {"A": rand(2, 3), "B": rand(3)}, opset=6, match="broadcast=0")
    refrt_fails("Add", {"A": rand(2, 3), "B": rand(2)}, {"broadcast": 1}, opset=6, match="broadcast")


POW_CASES = [
    ("f32^f32", np.abs(rand(3, 4)) + 0.1, rand(3, 4)),
    ("f32^i64", rand(3, 4), ints(3, 4, dtype=np.int64, low=-3, high=4)),
    ("f64^f32", np.abs(rand(5, dtype=np.float64)), rand(5)),
    ("f16^f32", np.abs(rand(5, dtype=np.float16)) + 0.5, rand(5)),
    ("i32^i32", np.array([2, 3, -2, 1, 5, -1], np.int32), np.array([3, 2, 3, -2, 0, -1], np.int32)),
    ("i64^i64 negative exponent", np.array([2, 4, 1, -1], np.int64), np.array([-1, -2, -5, -3], np.int64)),
    ("i32^f32", np.array([2, 3, 4, 9], np.int32), np.array([0.5, 2.5, -1, 0.5], np.float32)),
    ("broadcast", np.abs(rand(2, 3)), np.array(2.0, np.float32)),
    ("0-d i32^i32", np.array(3, np.int32), np.array(4, np.int32)),  # integer bases once failed on 0-d
    ("0-d i64^f32", np.array(-2, np.int64), np.array(3.0, np.float32)),
    ("0-d f32^f32", np.array(1.5, np.float32), np.array(-0.5, np.float32)),
]


@pytest.mark.parametrize("name, x, y", POW_CASES, ids=[c[0] for c in POW_CASES])
def test_pow_keeps_the_base_type(name, x, y):
    check_node("Pow", {"X": x, "Y": y}, opset=15, rtol=1e-3 if x.dtype == np.float16 else 1e-5)


def test_pow_revision_7_and_legacy():
    x, y = np.abs(rand(2, 3, 4)) + 0.1, rand(3)
    check_node("Pow", {"X": x, "Y": rand(2, 3, 4)}, opset=7)
    check_legacy("Pow", {"X": x, "Y": y}, {"broadcast": 1, "axis": 1}, opset=1, ort_opset=7,
                 ort_inputs={"X": x, "Y": y.reshape(3, 1)})


@pytest.mark.parametrize("fmod", [0, 1])
@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64, np.uint16, np.uint64])
def test_mod_integers(fmod, dtype):
    signed = np.dtype(dtype).kind == "i"
    a = np.array([7, -7, 7, -7, 0, 9, 13] if signed else [7, 8, 13, 0, 255, 9, 1], dtype)
    b = np.array([3, 3, -3, -3, 5, 9, 4] if signed else [3, 3, 4, 5, 7, 9, 2], dtype)
    check_node("Mod", {"A": a, "B": b}, {"fmod": fmod}, opset=13)


@pytest.mark.parametrize("opset", [10, 13, 28])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_mod_float_fmod(opset, dtype):
    a = np.array([5.5, -5.5, 5.5, -5.5, 0.0, 3.0], dtype)
    b = np.array([2.0, 2.0, -2.0, -2.0, 3.0, 0.7], dtype)
    check_node("Mod", {"A": a, "B": b}, {"fmod": 1}, opset=opset, rtol=1e-3)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_mod_float_floor_at_opset_28(dtype):
    a = np.array([5.5, -5.5, 5.5, -5.5, 0.0, -0.0, 3.0, np.inf, 2.0, 2.0, -2.0, np.nan], dtype)
    b = np.array([2.0, 2.0, -2.0, -2.0, -3.0, 3.0, 0.0, 2.0, np.inf, -np.inf, np.inf, 1.0], dtype)
    got = check_node("Mod", {"A": a, "B": b}, opset=28)[0]
    # The spec's special cases: +-0 takes the sign of B; finite x mod inf of the other sign is that inf.
    assert np.signbit(got[4]) and not np.signbit(got[5])
    np.testing.assert_array_equal(got[8:11], [2.0, -np.inf, np.inf])


def test_mod_float_floor_before_opset_28_fails():
    refrt_fails("Mod", {"A": rand(3), "B": rand(3)}, opset=13, match="fmod")


def test_mod_integer_by_zero_fails():
    refrt_fails("Mod", {"A": np.array([3], np.int32), "B": np.array([0], np.int32)}, opset=13, match="zero")


# ----------------------------------------------------------------------------------------------
# Unary math

FLOAT_UNARY = {
    "Neg": (rand, 13), "Abs": (rand, 13), "Sqrt": (lambda *s, dtype=np.float32: np.abs(rand(*s, dtype=dtype)), 13),
    "Exp": (rand, 13), "Log": (lambda *s, dtype=np.float32: np.abs(rand(*s, dtype=dtype)) + 0.01, 13),
    "Reciprocal": (lambda *s, dtype=np.float32: rand(*s, dtype=dtype) + 3, 13),
    "Floor": (lambda *s, dtype=np.float32: rand(*s, dtype=dtype, scale=5), 13),
    "Ceil": (lambda *s, dtype=np.float32: rand(*s, dtype=dtype, scale=5), 13),
    "Sign": (rand, 13), "Sin": (rand, 22), "Cos": (rand, 22), "Tan": (rand, 22),
    "Asin": (lambda *s, dtype=np.float32: np.tanh(rand(*s, dtype=dtype)), 22),
    "Acos": (lambda *s, dtype=np.float32: np.tanh(rand(*s, dtype=dtype)), 22),
    "Atan": (rand, 22), "Sinh": (rand, 22), "Cosh": (rand, 22), "Asinh": (rand, 22),
    "Acosh": (lambda *s, dtype=np.float32: np.abs(rand(*s, dtype=dtype)) + 1, 22),
    "Atanh": (lambda *s, dtype=np.float32: np.tanh(rand(*s, dtype=dtype)), 22),
    "Erf": (lambda *s, dtype=np.float32: rand(*s, dtype=dtype, scale=2), 13),
    "Tanh": (rand, 13), "Round": (lambda *s, dtype=np.float32: rand(*s, dtype=dtype, scale=5), 22),
}


@pytest.mark.parametrize("op", sorted(FLOAT_UNARY))
def test_unary_float32(op):
    make, opset = FLOAT_UNARY[op]
    check_node(op, {"X": make(3, 4, 5)}, opset=opset)
    check_node(op, {"X": make(0, 3)}, opset=opset)
    check_node(op, {"X": np.asarray(make(1)[0])}, opset=opset)


ORT_FLOAT32_ONLY = {"Erf", "Tan", "Sinh", "Cosh", "Asin", "Acos", "Atan", "Asinh", "Acosh", "Atanh", "LeakyRelu",
                    "Elu", "Selu", "Celu", "HardSigmoid", "HardSwish", "Softplus", "Softsign", "ThresholdedRelu",
                    "Gelu", "Mish"}


@pytest.mark.parametrize("op", sorted(FLOAT_UNARY))
def test_unary_float64(op):
    make, opset = FLOAT_UNARY[op]
    x = make(4, 6).astype(np.float64)
    if op in ORT_FLOAT32_ONLY:
        check_via_float32(op, {"X": x}, opset=opset)
    else:
        check_node(op, {"X": x}, opset=opset, rtol=1e-12, atol=1e-14)


# Types onnxruntime's CPU kernels take in float16 (the others it lacks).
@pytest.mark.parametrize("op", ["Neg", "Abs", "Sqrt", "Exp", "Log", "Reciprocal", "Floor", "Ceil", "Sign", "Round",
                                "Tanh", "Erf", "Cos", "Sin"])
def test_unary_float16(op):
    make, opset = FLOAT_UNARY[op]
    check_node(op, {"X": make(4, 6, dtype=np.float16)}, opset=opset, rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("op, opset", [("Neg", 6), ("Abs", 6), ("Sqrt", 6), ("Exp", 6), ("Log", 6),
                                       ("Reciprocal", 6), ("Floor", 6), ("Ceil", 6), ("Tanh", 6),
                                       ("Erf", 9), ("Sign", 9), ("Sin", 7), ("Round", 11), ("Asinh", 9)])
def test_unary_first_revisions(op, opset):
    check_node(op, {"X": FLOAT_UNARY[op][0](3, 4)}, opset=opset)


@pytest.mark.parametrize("op", ["Neg", "Abs", "Sqrt", "Exp", "Log", "Reciprocal", "Floor", "Ceil", "Tanh"])
def test_unary_revision_1_with_consumed_inputs(op):
    x = FLOAT_UNARY[op][0](3, 4)
    check_legacy(op, {"X": x}, {"consumed_inputs": [0]}, opset=1, ort_opset=6)


@pytest.mark.parametrize("op", ["Neg", "Abs", "Sign"])
@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64])
def test_unary_integers(op, dtype):
    x = np.array([np.iinfo(dtype).min, -5, 0, 3, np.iinfo(dtype).max], dtype)
    check_node(op, {"X": x}, opset=13)


def test_sign_and_abs_unsigned():
    x = np.array([0, 3, 255], np.uint8)
    check_node("Sign", {"X": x}, opset=13)
    check_node("Abs", {"X": x}, opset=13)


def test_special_values():
    x = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-40, 100.0, -100.0], np.float32)
    for op in ["Neg", "Abs", "Exp", "Floor", "Ceil", "Sign", "Tanh", "Erf", "Round", "Atan", "Sqrt", "Log"]:
        check_node(op, {"X": x}, opset=13 if op not in ("Atan", "Round") else 22)


def test_round_halves_to_even():
    x = np.array([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4999998, 3.5000002], np.float32)
    got = check_node("Round", {"X": x}, opset=11)[0]
    np.testing.assert_array_equal(got, [0, 2, 2, -0.0, -2, -2, 2, 4])


def test_out_of_domain_math_is_nan():
    x = np.array([-1.0, 2.0, -2.0, 0.0], np.float32)
    for op in ["Sqrt", "Log", "Asin", "Acos", "Acosh", "Atanh"]:
        check_node(op, {"X": x}, opset=22 if op not in ("Sqrt", "Log") else 13)


def test_erf_is_accurate_to_float32_rounding():
    x = np.concatenate([np.linspace(-6, 6, 20001, dtype=np.float32), rand(5000, scale=3), np.float32([1e-30, -1e-8])])
    got = check_node("Erf", {"X": x}, opset=13, rtol=2e-7, atol=0)[0]
    exact = np.array([math.erf(v) for v in x.astype(np.float64)])
    # Within one float32 ulp of the exact value everywhere.
    assert np.all(np.abs(got - exact) <= np.spacing(np.abs(got)))


def test_erf_float64_is_accurate():
    # onnxruntime has no double Erf: against math.erf.
    x = np.concatenate([np.linspace(-7, 7, 4001), [0.0, 1e-300, -1e-20]])
    got = run_refrt(make_node_model("Erf", {"X": x}, opset=13), {"X": x})[0]
    assert got.dtype == np.float64
    exact = np.array([math.erf(v) for v in x])
    np.testing.assert_allclose(got, exact, rtol=4e-15, atol=1e-300)


def test_erf_integers():
    # onnxruntime has no integer Erf (opsets 9-12 allow it): by hand.
    x = np.array([-3, -1, 0, 1, 2], np.int32)
    got = run_refrt(make_node_model("Erf", {"X": x}, opset=9), {"X": x})[0]
    # erf of an integer is in (-1, 1) except at 0, so a C cast truncates every value to 0.
    np.testing.assert_array_equal(got, np.zeros(5, np.int32))


def test_is_nan_and_is_inf():
    x = np.array([np.nan, np.inf, -np.inf, 0.0, -1.0, 3.0], np.float32)
    for dtype in (np.float32, np.float64, np.float16):
        for opset in (9, 13, 20):
            check_node("IsNaN", {"X": x.astype(dtype)}, opset=opset)
    for pos in (0, 1):
        for neg in (0, 1):
            for opset in (10, 20):
                check_node("IsInf", {"X": x}, {"detect_positive": pos, "detect_negative": neg}, opset=opset)
    check_node("IsInf", {"X": x.astype(np.float64)}, {"detect_negative": 0}, opset=10)


def test_not_and_bitwise_not():
    check_node("Not", {"X": np.array([[True, False], [False, False]])}, opset=1)
    for dtype in (np.int8, np.uint8, np.int32, np.uint16, np.int64, np.uint64):
        check_node("BitwiseNot", {"X": np.array([0, 1, 5, 100], dtype)}, opset=18)


# ----------------------------------------------------------------------------------------------
# Activations

ACTIVATIONS = [
    ("Relu", {}, 14), ("Relu", {}, 6), ("Relu", {}, 13),
    ("LeakyRelu", {}, 16), ("LeakyRelu", {"alpha": 0.3}, 6), ("LeakyRelu", {"alpha": -1.5}, 16),
    ("Elu", {}, 22), ("Elu", {"alpha": 0.5}, 6),
    ("Selu", {}, 22), ("Selu", {"alpha": 2.0, "gamma": 0.5}, 6),
    ("Celu", {}, 12), ("Celu", {"alpha": 2.0}, 12), ("Celu", {"alpha": 0.5}, 28),
    ("Sigmoid", {}, 13), ("Sigmoid", {}, 6),
    ("HardSigmoid", {}, 22), ("HardSigmoid", {"alpha": 0.5, "beta": 0.1}, 6),
    ("HardSwish", {}, 14), ("HardSwish", {}, 22),
    ("Softplus", {}, 1), ("Softplus", {}, 22),
    ("Softsign", {}, 1), ("Softsign", {}, 22),
    ("Tanh", {}, 13),
    ("ThresholdedRelu", {}, 10), ("ThresholdedRelu", {"alpha": 0.25}, 22),
    ("Gelu", {}, 20), ("Gelu", {"approximate": "tanh"}, 20),
    ("Mish", {}, 18), ("Mish", {}, 22),
    ("Shrink", {}, 9), ("Shrink", {"lambd": 1.0, "bias": 0.25}, 9),
]


@pytest.mark.parametrize("op, attrs, opset", ACTIVATIONS, ids=[f"{o}-{opset}-{a}" for o, a, opset in ACTIVATIONS])
def test_activations_float32(op, attrs, opset):
    x = np.concatenate([rand(200, scale=3), np.float32([0, -0.0, 100, -100, 30, -30, 1e-7, np.inf, -np.inf, np.nan])])
    check_node(op, {"X": x.reshape(21, 10)}, attrs, opset=opset)
    check_node(op, {"X": rand(0, 4)}, attrs, opset=opset)


@pytest.mark.parametrize("op, attrs, opset", ACTIVATIONS, ids=[f"{o}-{opset}-{a}" for o, a, opset in ACTIVATIONS])
def test_activations_float64(op, attrs, opset):
    if op == "Celu" and opset < 28:
        pytest.skip("Celu takes double from opset 28")
    x = rand(6, 7, scale=3).astype(np.float64)
    if op in ORT_FLOAT32_ONLY:
        check_via_float32(op, {"X": x}, attrs, opset=opset)
    else:
        check_node(op, {"X": x}, attrs, opset=opset, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("op, attrs, opset", ACTIVATIONS, ids=[f"{o}-{opset}-{a}" for o, a, opset in ACTIVATIONS])
def test_activations_0d(op, attrs, opset):
    # A ufunc over 0-d inputs returns a NumPy scalar, which a later out= step cannot write into
    # (Sigmoid, HardSigmoid, HardSwish, Mish, Softsign, Celu once failed so): the sweep found them.
    for v in (-1.25, 0.5, -40.0):
        check_node(op, {"X": np.array(v, np.float32)}, attrs, opset=opset)
    x64 = np.array(-0.75)
    if op == "Celu" and opset < 28:
        pass  # Celu takes double from opset 28
    elif op in ORT_FLOAT32_ONLY:
        check_via_float32(op, {"X": x64}, attrs, opset=opset)
    else:
        check_node(op, {"X": x64}, attrs, opset=opset, rtol=1e-12, atol=1e-14)


# onnxruntime's CPU has these in float16 (their 0-d inputs failed in refrt).
@pytest.mark.parametrize("op, attrs, opset", [("Sigmoid", {}, 13), ("HardSigmoid", {}, 22), ("HardSwish", {}, 22),
                                              ("Mish", {}, 22), ("Softsign", {}, 22), ("Celu", {}, 28)])
def test_activations_0d_float16(op, attrs, opset):
    check_node(op, {"X": np.array(-1.25, np.float16)}, attrs, opset=opset, rtol=2e-3, atol=2e-3)


@pytest.mark.parametrize("op, attrs, opset", [("Relu", {}, 14), ("LeakyRelu", {}, 16), ("Sigmoid", {}, 13),
                                              ("Gelu", {}, 20), ("Gelu", {"approximate": "tanh"}, 20),
                                              ("HardSigmoid", {}, 22), ("Tanh", {}, 13), ("Elu", {}, 22),
                                              ("Softplus", {}, 22), ("Shrink", {}, 9)])
def test_activations_float16(op, attrs, opset):
    check_node(op, {"X": rand(6, 7, dtype=np.float16, scale=3)}, attrs, opset=opset, rtol=2e-3, atol=2e-3)


@pytest.mark.parametrize("op", ["Relu", "LeakyRelu", "Elu", "Selu", "Sigmoid", "HardSigmoid", "Tanh"])
def test_activation_revision_1_with_consumed_inputs(op):
    x = rand(4, 5, scale=3)
    old_defaults = {"alpha": 1.6732, "gamma": 1.0507} if op == "Selu" else None  # Selu-1's own defaults
    check_legacy(op, {"X": x}, {"consumed_inputs": [0]}, opset=1, ort_opset=6, ort_attrs=old_defaults)


def test_selu_revision_1_has_its_own_defaults():
    x = rand(4, 5, scale=3)
    check_legacy("Selu", {"X": x}, {}, opset=1, ort_opset=6,
                 ort_attrs={"alpha": 1.6732, "gamma": 1.0507})


@pytest.mark.parametrize("dtype", [np.int8, np.int32])  # onnxruntime lacks the other integer Relu
def test_relu_integers(dtype):
    check_node("Relu", {"X": ints(5, 6, dtype=dtype)}, opset=14)


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.uint8, np.float64])
def test_shrink_integers_go_through_floats(dtype):
    x = ints(20, dtype=dtype, low=0 if np.dtype(dtype).kind == "u" else -10, high=10)
    check_node("Shrink", {"X": x}, {"lambd": 1.5, "bias": 1.5}, opset=9)


@pytest.mark.parametrize("slope_shape", [(1,), (3, 1, 1), (5,), (2, 3, 4, 5), ()], ids=str)
@pytest.mark.parametrize("opset", [7, 9, 16])
def test_prelu_slope_broadcasts(slope_shape, opset):
    check_node("PRelu", {"X": rand(2, 3, 4, 5), "slope": rand(*slope_shape)}, opset=opset)


def test_prelu_integers():
    check_node("PRelu", {"X": ints(3, 4), "slope": ints(4, low=-3, high=3)}, opset=16)


def test_prelu_0d():
    check_node("PRelu", {"X": np.array(-2.0, np.float32), "slope": np.array(0.25, np.float32)}, opset=16)
    check_node("PRelu", {"X": np.array(-3, np.int32), "slope": np.array(2, np.int32)}, opset=16)


def test_prelu_slope_must_broadcast_onto_x():
    refrt_fails("PRelu", {"X": rand(3), "slope": rand(2, 3)}, opset=16, match="slope")


def test_prelu_legacy_per_channel_slope():
    x, slope = rand(2, 3, 4, 5), rand(3)
    check_legacy("PRelu", {"X": x, "slope": slope}, {}, opset=6, ort_opset=7,
                 ort_inputs={"X": x, "slope": slope.reshape(3, 1, 1)})
    check_legacy("PRelu", {"X": x, "slope": slope}, {"consumed_inputs": [0]}, opset=1, ort_opset=7,
                 ort_inputs={"X": x, "slope": slope.reshape(3, 1, 1)})
    check_legacy("PRelu", {"X": x, "slope": rand(1)}, {}, opset=6, ort_opset=7)


def test_gelu_unknown_approximation_fails():
    refrt_fails("Gelu", {"X": rand(3)}, {"approximate": "fast"}, opset=20, match="approximate")


# ----------------------------------------------------------------------------------------------
# Clip


def test_clip_attributes_revision_6():
    x = rand(4, 5, scale=3)
    check_node("Clip", {"X": x}, {"min": -1.0, "max": 0.5}, opset=6)
    check_node("Clip", {"X": x}, {"min": -1.0}, opset=6)
    check_node("Clip", {"X": x}, {}, opset=6)
    check_node("Clip", {"X": x.astype(np.float16)}, {"max": 0.5}, opset=6)
    check_via_float32("Clip", {"X": x.astype(np.float64)}, {"min": -1.0}, opset=6)  # no double Clip-6 in onnxruntime


def test_clip_revision_1_unset_bounds_do_not_limit():
    x = rand(4, 5, scale=3)
    check_legacy("Clip", {"X": x}, {"min": -1.0, "consumed_inputs": [0]}, opset=1, ort_opset=6,
                 ort_attrs={"min": -1.0})
    check_legacy("Clip", {"X": x}, {"max": 0.0}, opset=1, ort_opset=6, ort_attrs={"max": 0.0})
    check_legacy("Clip", {"X": x}, {}, opset=1, ort_opset=6)


@pytest.mark.parametrize("opset", [11, 12, 13])
def test_clip_inputs(opset):
    x = np.concatenate([rand(20, scale=3), np.float32([np.nan, np.inf, -np.inf])])
    lo, hi = np.array(-1.0, np.float32), np.array(0.5, np.float32)
    check_node("Clip", {"X": x, "min": lo, "max": hi}, opset=opset)
    check_node("Clip", {"X": x, "min": None, "max": hi}, opset=opset)
    check_node("Clip", {"X": x, "min": lo}, opset=opset)
    check_node("Clip", {"X": x}, opset=opset)
    check_node("Clip", {"X": x, "min": hi, "max": lo}, opset=opset)  # min > max: everything is max


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64, np.uint8, np.float64])
def test_clip_integers(dtype):
    x = ints(30, dtype=dtype, low=0 if np.dtype(dtype).kind == "u" else -50, high=50)
    check_node("Clip", {"X": x, "min": np.array(3, dtype), "max": np.array(20, dtype)}, opset=13)
    check_node("Clip", {"X": x, "min": None, "max": np.array(7, dtype)}, opset=12)


# ----------------------------------------------------------------------------------------------
# Variadic Sum / Mean / Max / Min


@pytest.mark.parametrize("op", ["Sum", "Mean", "Max", "Min"])
@pytest.mark.parametrize("opset", [8, 13])
def test_variadic_broadcast(op, opset):
    check_node(op, {"a": rand(2, 1, 4), "b": rand(3, 1), "c": rand(4)}, opset=opset)
    check_node(op, {"a": rand(3, 4)}, opset=opset)
    check_node(op, {"a": rand(3, 4), "b": rand(3, 4)}, opset=opset)
    check_node(op, {"a": rand(0, 4), "b": rand(4)}, opset=opset)
    check_node(op, {"a": rand(2, 3, dtype=np.float16), "b": rand(3, dtype=np.float16),
                    "c": rand(1, dtype=np.float16)}, opset=opset, rtol=2e-3, atol=2e-3)
    wide = {"a": rand(2, 3).astype(np.float64), "b": rand(3).astype(np.float64)}
    if op == "Mean":  # onnxruntime has no double Mean
        check_via_float32(op, wide, opset=opset)
    else:
        check_node(op, wide, opset=opset)


@pytest.mark.parametrize("op", ["Max", "Min"])  # Sum and Mean are float-only
@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_variadic_integers(op, dtype):
    check_node(op, {"a": ints(3, 4, dtype=dtype), "b": ints(4, dtype=dtype), "c": ints(3, 1, dtype=dtype)}, opset=13)


@pytest.mark.parametrize("op", ["Max", "Min"])
@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.uint64, np.uint32])
def test_max_min_small_integers(op, dtype):
    check_node(op, {"a": ints(3, 4, dtype=dtype, low=0, high=100), "b": ints(4, dtype=dtype, low=0, high=100)},
               opset=12)


@pytest.mark.parametrize("op", ["Max", "Min"])
def test_max_min_nan_wins(op):
    a = np.array([np.nan, 1, np.nan, 3], np.float32)
    b = np.array([1, np.nan, np.nan, 2], np.float32)
    check_node(op, {"a": a, "b": b}, opset=13)


@pytest.mark.parametrize("op", ["Sum", "Mean", "Max", "Min"])
def test_variadic_legacy_revisions(op):
    a, b, c = rand(3, 4), rand(3, 4), rand(3, 4)
    check_legacy(op, {"a": a, "b": b, "c": c}, {}, opset=6, ort_opset=8)
    check_legacy(op, {"a": a, "b": b}, {"consumed_inputs": [0, 0]}, opset=1, ort_opset=8)
    refrt_fails(op, {"a": a, "b": rand(4)}, opset=6, match="shape")


# ----------------------------------------------------------------------------------------------
# Comparisons and logic


@pytest.mark.parametrize("op", ["Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.int64, np.uint8, np.int8])
def test_comparisons(op, dtype):
    opset = 19 if op == "Equal" else 16
    a = ints(3, 4, dtype=dtype, low=0, high=4)
    b = ints(4, dtype=dtype, low=0, high=4)
    check_node(op, {"A": a, "B": b}, opset=opset)
    check_node(op, {"A": a[:0], "B": b}, opset=opset)


@pytest.mark.parametrize("op, opset", [("Equal", 7), ("Equal", 11), ("Equal", 13), ("Less", 7), ("Less", 9),
                                       ("Greater", 9), ("Greater", 13), ("LessOrEqual", 12),
                                       ("GreaterOrEqual", 12)])
def test_comparison_revisions(op, opset):
    dtype = np.int32 if (op, opset) == ("Equal", 7) else np.float32
    a, b = ints(2, 3, 4, dtype=dtype, low=0, high=3), ints(3, 1, dtype=dtype, low=0, high=3)
    check_node(op, {"A": a, "B": b}, opset=opset)


def test_comparisons_with_nan():
    a = np.array([np.nan, 1, np.nan, np.inf], np.float32)
    b = np.array([np.nan, np.nan, 1, np.inf], np.float32)
    for op in ["Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual"]:
        check_node(op, {"A": a, "B": b}, opset=16 if op != "Equal" else 13)


def test_equal_strings_and_bools():
    a = np.array([["a", "bc"], ["", "x"]], dtype=object)
    b = np.array(["a", "x"], dtype=object)
    check_node("Equal", {"A": a, "B": b}, opset=19)
    check_node("Equal", {"A": np.array([True, False, True]), "B": np.array([True, True, False])}, opset=11)


@pytest.mark.parametrize("op", ["And", "Or", "Xor"])
def test_logic(op):
    a = RNG.integers(0, 2, (2, 3, 4)).astype(bool)
    check_node(op, {"A": a, "B": RNG.integers(0, 2, (3, 1)).astype(bool)}, opset=7)
    check_node(op, {"A": a, "B": np.array(True)}, opset=7)


@pytest.mark.parametrize("op, dtype", [("And", bool), ("Or", bool), ("Xor", bool), ("Equal", np.int32),
                                       ("Less", np.float32), ("Greater", np.float32)])
def test_logic_and_comparison_legacy_broadcast(op, dtype):
    a = ints(2, 3, 4, dtype=dtype, low=0, high=2)
    b = ints(3, dtype=dtype, low=0, high=2)
    check_legacy(op, {"A": a, "B": b}, {"broadcast": 1, "axis": 1}, opset=1, ort_opset=7,
                 ort_inputs={"A": a, "B": b.reshape(3, 1)})
    check_legacy(op, {"A": a, "B": a}, {}, opset=1, ort_opset=7)


@pytest.mark.parametrize("op", ["BitwiseAnd", "BitwiseOr", "BitwiseXor"])
@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int16, np.uint32, np.int64, np.uint64])
def test_bitwise(op, dtype):
    a = ints(3, 4, dtype=dtype, low=0, high=120)
    check_node(op, {"A": a, "B": ints(4, dtype=dtype, low=0, high=120)}, opset=18)


@pytest.mark.parametrize("direction", ["LEFT", "RIGHT"])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.uint32, np.uint64])
@pytest.mark.parametrize("opset", [11, 28])
def test_bit_shift_unsigned(direction, dtype, opset):
    bits = np.dtype(dtype).itemsize * 8
    x = np.array([1, 3, 255, 128, 7, 0, 16], dtype)
    y = np.array([0, 1, 3, 7, bits - 1, 2, 4], dtype)
    check_node("BitShift", {"X": x, "Y": y}, {"direction": direction}, opset=opset)
    check_node("BitShift", {"X": x, "Y": np.array(2, dtype)}, {"direction": direction}, opset=opset)


@pytest.mark.parametrize("direction", ["LEFT", "RIGHT"])
@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.int64])
def test_bit_shift_signed_at_opset_28(direction, dtype):
    bits = np.dtype(dtype).itemsize * 8
    x = np.array([-1, -128, 64, 3, -7, 5, -5, 1, -3], dtype)
    y = np.array([1, 1, 1, -1, 2, bits, bits, bits - 1, bits + 3], dtype)
    got = check_node("BitShift", {"X": x, "Y": y}, {"direction": direction}, opset=28)[0]
    # The spec: a negative or too large amount leaves the sign fill (-1 right of a negative, else 0).
    expect_fill = [0, 0, -1, -1] if direction == "RIGHT" else [0, 0, 0, 0]
    np.testing.assert_array_equal(got[[3, 5, 6, 8]], expect_fill)


def test_bit_shift_oversized_amounts_unsigned():
    x = np.array([1, 255, 128, 3], np.uint8)
    y = np.array([8, 9, 1, 255], np.uint8)
    for direction in ("LEFT", "RIGHT"):
        check_node("BitShift", {"X": x, "Y": y}, {"direction": direction}, opset=18)


def test_where():
    cond = RNG.integers(0, 2, (2, 1, 4)).astype(bool)
    check_node("Where", {"C": cond, "X": rand(3, 1), "Y": rand(2, 3, 4)}, opset=9)
    check_node("Where", {"C": cond, "X": ints(3, 4, dtype=np.int64), "Y": np.array(7, np.int64)}, opset=16)
    check_node("Where", {"C": cond[0, 0], "X": np.array(["a", "b", "c", "d"], dtype=object),
                         "Y": np.array(["z"], dtype=object)}, opset=16)
    check_node("Where", {"C": cond[:, :, :0], "X": rand(1), "Y": rand(2, 1, 1)}, opset=16)
    check_node("Where", {"C": cond, "X": rand(4, dtype=np.float16), "Y": rand(1, dtype=np.float16)}, opset=16)


# ----------------------------------------------------------------------------------------------
# bfloat16 (onnxruntime's Python API cannot hand it over, and its CPU lacks most bfloat16 kernels)

BFLOAT16_CASES = [
    ("Add", 2, {}, 14), ("Sub", 2, {}, 14), ("Mul", 2, {}, 14), ("Div", 2, {}, 14), ("Pow", 2, {}, 15),
    ("Mod", 2, {"fmod": 1}, 13), ("Max", 2, {}, 13), ("Min", 2, {}, 13), ("Sum", 2, {}, 13), ("Mean", 2, {}, 13),
    ("Equal", 2, {}, 13), ("Less", 2, {}, 13), ("PRelu", 2, {}, 16), ("Einsum", 2, {"equation": "ij,j->i"}, 28),
    ("Relu", 1, {}, 14), ("Sigmoid", 1, {}, 13), ("Tanh", 1, {}, 13), ("Exp", 1, {}, 13), ("Log", 1, {}, 13),
    ("Sqrt", 1, {}, 13), ("Neg", 1, {}, 13), ("Abs", 1, {}, 13), ("Erf", 1, {}, 13), ("Gelu", 1, {}, 20),
    ("Sign", 1, {}, 13), ("Round", 1, {}, 22), ("Floor", 1, {}, 13), ("Reciprocal", 1, {}, 13), ("Sin", 1, {}, 22),
    ("Atanh", 1, {}, 22), ("Clip", 1, {}, 13), ("LeakyRelu", 1, {}, 16), ("Elu", 1, {}, 22), ("Selu", 1, {}, 22),
    ("HardSigmoid", 1, {}, 22), ("HardSwish", 1, {}, 22), ("Softplus", 1, {}, 22), ("Softsign", 1, {}, 22),
    ("Mish", 1, {}, 22), ("Celu", 1, {}, 28), ("ThresholdedRelu", 1, {}, 22), ("IsNaN", 1, {}, 20),
    ("IsInf", 1, {}, 20), ("Softmax", 1, {}, 13), ("LogSoftmax", 1, {}, 13), ("Hardmax", 1, {}, 13),
    ("ReduceSum", 1, {}, 13), ("ReduceMean", 1, {}, 18), ("ReduceMax", 1, {}, 18), ("ReduceProd", 1, {}, 18),
    ("ReduceL2", 1, {}, 18), ("ReduceLogSum", 1, {}, 18), ("ReduceLogSumExp", 1, {}, 18), ("ArgMax", 1, {}, 13),
    ("CumSum", 1, {}, 14), ("Where", 1, {}, 16),
]


@pytest.mark.parametrize("op, n, attrs, opset", BFLOAT16_CASES, ids=[c[0] for c in BFLOAT16_CASES])
def test_bfloat16(op, n, attrs, opset):
    """refrt in bfloat16 against onnxruntime in float32 on the same (bfloat16-exact) values."""
    bf16 = ml_dtypes.bfloat16
    x = rand(3, 4)
    if op in ("Log", "Sqrt", "Pow", "ReduceLogSum"):
        x = np.abs(x) + 0.1
    if op == "Atanh":
        x = np.tanh(x)
    inputs = {"A": x.astype(bf16)}
    if n == 2:
        inputs["B"] = rand(4).astype(bf16)
    if op == "CumSum":
        inputs["axis"] = np.array(1, np.int64)
    if op == "Where":
        inputs = {"C": x > 0, "A": x.astype(bf16), "B": rand(4).astype(bf16)}
    got = run_refrt(make_node_model(op, inputs, attrs, opset=opset), feeds_of(inputs))[0]
    wide = {k: v.astype(np.float32) if v.dtype == bf16 else v for k, v in inputs.items()}
    expected = run_ort(make_node_model(op, wide, attrs, opset=opset), feeds_of(wide))[0]
    assert got.dtype == (bf16 if expected.dtype == np.float32 else expected.dtype)
    np.testing.assert_allclose(got.astype(np.float64), expected.astype(np.float64), rtol=1e-2, atol=1e-2)
