"""Cast and CastLike agree with onnxruntime: numbers to numbers, strings both ways, the float8
types with and without saturation, float8e8m0's rounding modes and the 4- and 2-bit integers.

onnxruntime's Python API cannot hand over float8, bfloat16 or 4-bit tensors, so those go through a
two-node model (Cast to the narrow type, Cast back) that both runtimes run.
"""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper

from oracle import assert_same, check_model, check_node, make_model, make_node_model, run_ort, run_refrt

T = TensorProto
RNG = np.random.default_rng(99)

NUMERIC = [T.FLOAT, T.DOUBLE, T.FLOAT16, T.INT8, T.UINT8, T.INT16, T.UINT16, T.INT32, T.UINT32, T.INT64, T.UINT64,
           T.BOOL]


def quietly_as(x, dtype):
    """x.astype(dtype), values beyond the type's range becoming inf without a warning."""
    with np.errstate(over="ignore"):
        return x.astype(dtype)


def values_for(elem):
    """In-range values of a type (out-of-range float-to-integer casts are undefined behaviour)."""
    dtype = helper.tensor_dtype_to_np_dtype(elem)
    if dtype == np.bool_:
        return np.array([True, False, True, True])
    if dtype.kind == "u":
        return np.array([0, 1, 7, 100, 200, 255], dtype)
    if dtype.kind == "i":
        return np.array([-128, -7, 0, 1, 100, 127], dtype)
    return np.array([-100.75, -1.5, -0.0, 0.25, 1.999, 127.5, np.inf, -np.inf, np.nan], dtype)


def in_range_for(x, to):
    """Drop what the target type cannot hold (floats NaN/inf/negatives for integers)."""
    dtype = helper.tensor_dtype_to_np_dtype(to)
    if x.dtype.kind == "f" and dtype.kind in "iu":
        x = x[np.isfinite(x)]
        if dtype.kind == "u":
            x = x[x >= 0]
    if x.dtype.kind == "i" and dtype.kind == "u":
        x = x[x >= 0]
    return x


@pytest.mark.parametrize("src", NUMERIC, ids=lambda t: T.DataType.Name(t))
@pytest.mark.parametrize("to", NUMERIC, ids=lambda t: T.DataType.Name(t))
def test_cast_between_numbers(src, to):
    x = in_range_for(values_for(src), to)
    check_node("Cast", {"X": x}, {"to": to}, opset=13)


@pytest.mark.parametrize("opset", [6, 9, 13, 19, 21, 23, 24, 25])
def test_cast_revisions(opset):
    x = np.array([[1.5, -2.25], [300.0, 0.0]], np.float32)
    check_node("Cast", {"X": x}, {"to": T.INT32}, opset=opset)
    check_node("Cast", {"X": x}, {"to": T.DOUBLE}, opset=opset)
    check_node("Cast", {"X": x[:0]}, {"to": T.FLOAT16}, opset=opset)


def test_cast_integers_wrap_and_floats_truncate():
    check_node("Cast", {"X": np.array([200, -1, 70000, -70000], np.int32)}, {"to": T.INT8}, opset=13)
    check_node("Cast", {"X": np.array([200, -1, 70000, -70000], np.int64)}, {"to": T.UINT16}, opset=13)
    check_node("Cast", {"X": np.array([-1.9, 1.9, 0.5, 2.5], np.float32)}, {"to": T.INT64}, opset=13)
    check_node("Cast", {"X": np.array([1e10, -1e10], np.float64)}, {"to": T.FLOAT16}, opset=13)  # to +-inf


def test_cast_revision_1_takes_a_type_name():
    x = np.array([1.5, -2.5, 3.0], np.float32)
    for name, elem in (("INT32", T.INT32), ("DOUBLE", T.DOUBLE), ("float16", T.FLOAT16)):
        model = make_node_model("Cast", {"X": x}, {"to": name}, opset=1)
        model.graph.output[0].type.tensor_type.elem_type = elem  # no shape inference for Cast-1
        got = run_refrt(model, {"X": x})
        expected = run_ort(make_node_model("Cast", {"X": x}, {"to": elem}, opset=6), {"X": x})
        assert_same(expected, got, 0, 0)


# ----------------------------------------------------------------------------------------------
# Strings


@pytest.mark.parametrize("src", [T.FLOAT, T.DOUBLE, T.FLOAT16], ids=lambda t: T.DataType.Name(t))
def test_cast_floats_to_string(src):
    dtype = helper.tensor_dtype_to_np_dtype(src)
    x = np.array([0.1, 1 / 3, 1e20, -1.5e-7, np.inf, -np.inf, np.nan, 0, -0.0, 123456789, 1.0, 100.0, 1e-5,
                  2**0.5, 65504.0], np.float64)
    x = quietly_as(x, dtype)
    check_node("Cast", {"X": x}, {"to": T.STRING}, opset=19)


@pytest.mark.parametrize("src", [T.INT8, T.UINT8, T.INT32, T.INT64, T.UINT64, T.BOOL], ids=lambda t: T.DataType.Name(t))
def test_cast_integers_to_string(src):
    x = values_for(src)
    if src == T.INT64:
        x = np.array([-(2**63), 2**40, -5, 0], np.int64)
    if src == T.UINT64:
        x = np.array([2**64 - 1, 0, 17], np.uint64)
    check_node("Cast", {"X": x}, {"to": T.STRING}, opset=19)


@pytest.mark.parametrize("to", [T.FLOAT, T.DOUBLE, T.FLOAT16], ids=lambda t: T.DataType.Name(t))
def test_cast_strings_to_floats(to):
    s = np.array(["3.14", "1e-5", "1E8", "+INF", "inf", "-INF", "NaN", "nan", " 2", "-0", "Infinity", "+3",
                  "  -2.5e3  ", "1e-50", "1e39", "0.1"], dtype=object)
    check_node("Cast", {"X": s}, {"to": to}, opset=19)
    check_node("Cast", {"X": s.reshape(4, 4)}, {"to": to}, opset=9)


@pytest.mark.parametrize("to", [T.INT8, T.UINT8, T.INT32, T.INT64, T.UINT64, T.BOOL], ids=lambda t: T.DataType.Name(t))
def test_cast_strings_to_integers(to):
    s = np.array(["3", "-7", " 12", "+4", "0", "100.5", "1e3", "300"], dtype=object)
    if to in (T.UINT8, T.UINT64):
        s = s[[0, 2, 3, 4, 5, 6, 7]]
    check_node("Cast", {"X": s}, {"to": to}, opset=19)
    check_node("Cast", {"X": np.array(["9223372036854775807", "-9223372036854775808"], dtype=object)},
               {"to": T.INT64}, opset=19)
    check_node("Cast", {"X": np.array(["18446744073709551615"], dtype=object)}, {"to": T.UINT64}, opset=19)
    # Empty and 0-d tensors (an empty one once failed: np.char.partition reduces over its lengths).
    check_node("Cast", {"X": np.zeros((0, 2), dtype=object)}, {"to": to}, opset=19)
    check_node("Cast", {"X": np.array(" 12", dtype=object)}, {"to": to}, opset=19)


def test_cast_string_to_string_and_bad_strings():
    check_node("Cast", {"X": np.array(["a", "", "b c"], dtype=object)}, {"to": T.STRING}, opset=19)
    for to in (T.FLOAT, T.INT32):
        model = make_node_model("Cast", {"X": np.array(["abc"], dtype=object)}, {"to": to}, opset=19)
        with pytest.raises(Exception, match="convert") as info:
            run_refrt(model, {"X": np.array(["abc"], dtype=object)})
        assert type(info.value).__name__ == "Fail"


def test_cast_like():
    x = np.array([1.7, -2.5, 300.0], np.float32)
    for like in (np.zeros(1, np.int32), np.zeros(2, np.float64), np.zeros((), np.uint8), np.zeros(1, np.float16)):
        for opset in (15, 19, 21, 24, 25):
            check_node("CastLike", {"X": x[:2] if like.dtype == np.uint8 else x, "L": like}, opset=opset)
    check_node("CastLike", {"X": x, "L": np.array(["a"], dtype=object)}, opset=19)
    check_node("CastLike", {"X": np.array(["1.5", "2"], dtype=object), "L": np.zeros(1, np.float32)}, opset=19)


# ----------------------------------------------------------------------------------------------
# Narrow floats and integers, through a round trip


def round_trip(x, mid, back, *, opset, saturate=None, round_mode=None, rtol=0.0, atol=0.0):
    """Cast x -> mid -> back in both runtimes (mid need not cross the Python API)."""
    kw = {}
    if saturate is not None:
        kw["saturate"] = saturate
    if round_mode is not None:
        kw["round_mode"] = round_mode
    nodes = [helper.make_node("Cast", ["X"], ["M"], to=mid, **kw), helper.make_node("Cast", ["M"], ["Y"], to=back)]
    model = make_model(nodes, {"X": x}, ["Y"], opset=opset)
    return check_model(model, {"X": x}, rtol=rtol, atol=atol)[0]


FLOAT8 = [T.FLOAT8E4M3FN, T.FLOAT8E4M3FNUZ, T.FLOAT8E5M2, T.FLOAT8E5M2FNUZ]
SPECIAL = np.array([0.3, 1.0, 2.6, 3.4, 5, 7, 100, -100, 448, 460, 500, 57344, 70000, np.inf, -np.inf, np.nan, 1e-3,
                    0.75, -0.0, 2**-9, 2**-10, 2**-17], np.float32)


@pytest.mark.parametrize("mid", FLOAT8, ids=lambda t: T.DataType.Name(t))
@pytest.mark.parametrize("saturate", [None, 1, 0])
@pytest.mark.parametrize("src", [np.float32, np.float16, np.float64])
def test_cast_float8(mid, saturate, src):
    x = quietly_as(SPECIAL, src)
    round_trip(x, mid, T.FLOAT, opset=19, saturate=saturate)
    round_trip(x, mid, T.FLOAT, opset=25, saturate=saturate)


@pytest.mark.parametrize("mid", FLOAT8, ids=lambda t: T.DataType.Name(t))
def test_cast_float8_from_integers_and_to_integers(mid):
    x = np.array([-300, -7, 0, 3, 17, 1000], np.int32)
    round_trip(x, mid, T.INT32, opset=19)
    round_trip(x.astype(np.int64), mid, T.FLOAT16, opset=19)


@pytest.mark.parametrize("round_mode", ["up", "down", "nearest", None])
@pytest.mark.parametrize("saturate", [1, 0])
def test_cast_float8e8m0(round_mode, saturate):
    x = np.array([0.3, 1.0, 2.6, 3, 5, 7, 100, 0.375, 1.5, 1e-40, 0, np.inf, np.nan, 1e38, 3e38, 2**127, 2**-126,
                  6e-39], np.float32)
    round_trip(x, T.FLOAT8E8M0, T.FLOAT, opset=24, saturate=saturate, round_mode=round_mode)
    round_trip(x.astype(np.float64), T.FLOAT8E8M0, T.FLOAT, opset=25, saturate=saturate, round_mode=round_mode)


@pytest.mark.parametrize("round_mode", ["up", "nearest"])
@pytest.mark.parametrize("saturate", [1, 0])
def test_cast_float8e8m0_0d(round_mode, saturate):
    # A 0-d input once failed (its codes were a NumPy scalar, updated in place).
    for v in (27.11, 0.0, np.inf, 3e38):
        round_trip(np.array(v, np.float32), T.FLOAT8E8M0, T.FLOAT, opset=24, saturate=saturate, round_mode=round_mode)


def test_cast_0d_to_narrow_types():
    for mid in FLOAT8 + [T.INT4, T.UINT4, T.BFLOAT16]:
        round_trip(np.array(3.7, np.float32), mid, T.FLOAT, opset=25)
    check_node("Cast", {"X": np.array("2.5", dtype=object)}, {"to": T.FLOAT16}, opset=19)


@pytest.mark.parametrize("saturate", [1, 0])
@pytest.mark.parametrize("to", FLOAT8, ids=lambda t: T.DataType.Name(t))
def test_cast_float8e8m0_to_float8(to, saturate):
    # ml_dtypes has no direct float8e8m0 -> float8 conversion (with saturate=0 it once raised): refrt
    # goes through float32. 2**20 and above overflow every float8 but e5m2 below 2**16.
    x = np.array([2.0**-30, 2.0**-10, 0.5, 1, 128, 1024, 2.0**15, 2.0**20, 2.0**100, np.nan], np.float32)
    nodes = [helper.make_node("Cast", ["X"], ["E"], to=T.FLOAT8E8M0),
             helper.make_node("Cast", ["E"], ["M"], to=to, saturate=saturate),
             helper.make_node("Cast", ["M"], ["Y"], to=T.FLOAT)]
    check_model(make_model(nodes, {"X": x}, ["Y"], opset=25), {"X": x})


@pytest.mark.parametrize("mid", [T.INT4, T.UINT4, T.INT2, T.UINT2], ids=lambda t: T.DataType.Name(t))
def test_cast_small_integers(mid):
    # Integers wrap; floats round to nearest (halves away from zero) before wrapping, as in onnxruntime.
    round_trip(np.array([1, 7, 8, -8, -9, 15, 16, 100, -100, 0, 3], np.int32), mid, T.INT32, opset=25)
    round_trip(np.array([1.6, -1.6, 7.6, 8.5, 100, -100, 2.5, -2.5, 0.49999997, 0.5], np.float32), mid, T.FLOAT,
               opset=25)
    round_trip(np.array([1, 2, 3], np.int8), mid, T.FLOAT16, opset=25)


def test_cast_int4_at_opset_21():
    round_trip(np.array([1, 7, 8, -8, -9, 15], np.int64), T.INT4, T.INT64, opset=21)
    round_trip(np.array([1, 7, 8, 15, 16], np.uint8), T.UINT4, T.UINT8, opset=21)


def test_cast_bfloat16():
    x = np.array([1.0, 3.14159, -2.5e10, 1e-30, np.inf, np.nan, 65504, 1 / 3], np.float32)
    round_trip(x, T.BFLOAT16, T.FLOAT, opset=13)
    round_trip(x.astype(np.float64), T.BFLOAT16, T.DOUBLE, opset=13)
    round_trip(np.array([1, -300, 70000], np.int32), T.BFLOAT16, T.INT32, opset=13)


def test_cast_float4_and_float6_by_hand():
    # onnxruntime has no float4e2m1 Cast kernel nor float6 types: ml_dtypes' rounding is the reference.
    x = np.array([0.3, 1.0, 2.6, 3.4, 5, 7, 100, -100, 0.75, 0.25], np.float32)
    for elem, opset in ((T.FLOAT4E2M1, 23), (T.FLOAT6E2M3, 28), (T.FLOAT6E3M2, 28)):
        nodes = [helper.make_node("Cast", ["X"], ["M"], to=elem), helper.make_node("Cast", ["M"], ["Y"], to=T.FLOAT)]
        got = run_refrt(make_model(nodes, {"X": x}, ["Y"], opset=opset), {"X": x})[0]
        dtype = helper.tensor_dtype_to_np_dtype(elem)
        np.testing.assert_array_equal(got, x.astype(dtype).astype(np.float32))


def test_cast_narrow_types_to_string():
    x = np.array([1.0, 0.1, -3.5], np.float32)
    nodes = [helper.make_node("Cast", ["X"], ["M"], to=T.BFLOAT16), helper.make_node("Cast", ["M"], ["Y"], to=T.STRING)]
    model = make_model(nodes, {"X": x}, ["Y"], opset=19)
    got = run_refrt(model, {"X": x})[0]
    assert list(got) == ["1", "0.10009766", "-3.5"]


@pytest.mark.parametrize("mid", FLOAT8, ids=lambda t: T.DataType.Name(t))
def test_is_nan_is_inf_on_float8(mid):
    x = np.array([1.0, np.nan, np.inf, -np.inf, 0, 500], np.float32)
    checks = (("IsNaN", {}), ("IsInf", {}), ("IsInf", {"detect_negative": 0}), ("IsInf", {"detect_positive": 0}))
    for op, attrs in checks:
        nodes = [helper.make_node("Cast", ["X"], ["M"], to=mid, saturate=0),
                 helper.make_node(op, ["M"], ["Y"], **attrs)]
        check_model(make_model(nodes, {"X": x}, ["Y"], opset=20), {"X": x})
