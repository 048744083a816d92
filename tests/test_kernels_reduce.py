"""Reductions, ArgMax/ArgMin, the softmax family, CumSum and Einsum agree with onnxruntime, one
node at a time, at every revision (the axes move from attribute to input at opset 13 for ReduceSum
and at 18 for the others; softmax-like ops flatten to 2-D before opset 13)."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper

from oracle import assert_same, check_node, feeds_of, make_node_model, run_ort, run_refrt

RNG = np.random.default_rng(7)


def rand(*shape, dtype=np.float32, scale=1.0):
    return np.asarray(RNG.standard_normal(shape) * scale).astype(dtype)


def ints(*shape, dtype=np.int32, low=-5, high=6):
    return RNG.integers(low, high, size=shape).astype(dtype)


def refrt_fails(op, inputs, attrs=None, *, opset, match=None):
    """refrt refuses the node at run time with onnxruntime's Fail error. (The output is typed by
    hand: onnx's shape inference gives up on such nodes, and refrt's checker wants a type.)"""
    model = make_node_model(op, inputs, attrs, opset=opset)
    elem = TensorProto.INT64 if op in ("ArgMax", "ArgMin") else helper.np_dtype_to_tensor_dtype(
        next(iter(inputs.values())).dtype)
    for out in model.graph.output:
        if not out.type.HasField("tensor_type"):
            out.type.tensor_type.elem_type = elem
    with pytest.raises(Exception, match=match) as info:
        run_refrt(model, feeds_of(inputs))
    assert type(info.value).__name__ == "Fail", f"{type(info.value).__name__}: {info.value}"


# ----------------------------------------------------------------------------------------------
# Reductions

REDUCE_OPS = ["ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
              "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare"]


def axes_input_from(op):
    return 13 if op == "ReduceSum" else 18


def reduce_check(op, x, axes, opset, rtol=1e-5, atol=1e-6, **attrs):
    """One reduction at ``opset``, axes as attribute or input as the revision wants."""
    if axes is not None and opset < axes_input_from(op):
        attrs["axes"] = list(axes)
        return check_node(op, {"X": x}, attrs, opset=opset, rtol=rtol, atol=atol)
    a = None if axes is None else np.array(axes, np.int64)
    return check_node(op, {"X": x, "axes": a}, attrs, opset=opset, rtol=rtol, atol=atol)


def positive_if_log(op, x):
    return np.abs(x) + 0.1 if op == "ReduceLogSum" else x


AXES_CASES = [None, (0,), (1,), (-1,), (0, 2), (2, 0, -2), (1, 1)]


@pytest.mark.parametrize("op", REDUCE_OPS)
@pytest.mark.parametrize("axes", AXES_CASES, ids=str)
@pytest.mark.parametrize("keepdims", [0, 1])
def test_reduce_float32(op, axes, keepdims):
    x = positive_if_log(op, rand(2, 3, 4))
    for opset in (11, axes_input_from(op) - 1, axes_input_from(op), 28):
        reduce_check(op, x, axes, opset, keepdims=keepdims)


@pytest.mark.parametrize("op", REDUCE_OPS)
def test_reduce_first_revision(op):
    x = positive_if_log(op, rand(3, 4))
    check_node(op, {"X": x}, {"axes": [1]}, opset=1)
    check_node(op, {"X": x}, {}, opset=1)


@pytest.mark.parametrize("op", REDUCE_OPS)
@pytest.mark.parametrize("dtype", [np.float64, np.float16])
def test_reduce_other_floats(op, dtype):
    x = positive_if_log(op, rand(3, 4, 5, scale=0.5)).astype(dtype)
    tol = dict(rtol=1e-3, atol=1e-3) if dtype == np.float16 else dict(rtol=1e-12, atol=1e-12)
    reduce_check(op, x, (1, 2), 18, **tol)
    reduce_check(op, x, None, 18, keepdims=0, **tol)


@pytest.mark.parametrize("op", REDUCE_OPS)
@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_reduce_integers(op, dtype):
    # Integer results are C casts of the exact value: means truncate toward zero, logs and norms too.
    x = ints(3, 4, dtype=dtype, low=1 if op == "ReduceLogSum" else -5)
    opset = 18  # opset 28 drops the integer LogSum / LogSumExp
    reduce_check(op, x, (1,), opset)
    reduce_check(op, x, None, opset, keepdims=0)


@pytest.mark.parametrize("op", ["ReduceMax", "ReduceMin"])
@pytest.mark.parametrize("dtype", [np.int8, np.uint8])  # opset 12 adds them; no uint32/64 in onnxruntime
def test_reduce_max_min_small_integers(op, dtype):
    x = ints(3, 4, dtype=dtype, low=0, high=100)
    reduce_check(op, x, (0,), 12)
    reduce_check(op, x, (-1,), 18, keepdims=0)


@pytest.mark.parametrize("op", ["ReduceMax", "ReduceMin"])
def test_reduce_max_min_bool_from_opset_20(op):
    x = RNG.integers(0, 2, (3, 4)).astype(bool)
    x[0] = True
    x[1] = False
    reduce_check(op, x, (1,), 20)
    reduce_check(op, x, None, 20, keepdims=0)


@pytest.mark.parametrize("op", REDUCE_OPS)
def test_reduce_empty_set(op):
    """A zero-size reduced axis: 0 for sums and norms, 1 for the product, -inf for the log-sums,
    -inf/+inf (floats) or the type's extreme (integers) for max/min; the mean of nothing is 0."""
    reduce_check(op, rand(2, 0, 3), (1,), 18)
    reduce_check(op, rand(2, 0, 3), (0, 2), 18, keepdims=0)  # nothing left to reduce into
    # Integers: the type's extremes for max/min; for the log-sums, -inf cast like C (INT_MIN).
    reduce_check(op, np.zeros((2, 0), np.int32), (1,), 18)


@pytest.mark.parametrize("op", ["ReduceMax", "ReduceMin"])
def test_reduce_max_min_empty_bool_follows_the_spec(op):
    # onnxruntime refuses an empty bool max/min; the spec's answer is the type's extreme value.
    x = np.zeros((2, 0), bool)
    model = make_node_model(op, {"X": x, "axes": np.array([1], np.int64)}, opset=20)
    got = run_refrt(model, {"X": x, "axes": np.array([1], np.int64)})[0]
    np.testing.assert_array_equal(got, np.full((2, 1), op == "ReduceMin"))


@pytest.mark.parametrize("op", REDUCE_OPS)
def test_reduce_noop_with_empty_axes(op):
    x = positive_if_log(op, rand(3, 4))
    v = axes_input_from(op)
    check_node(op, {"X": x, "axes": np.zeros(0, np.int64)}, {"noop_with_empty_axes": 1}, opset=v)
    check_node(op, {"X": x}, {"noop_with_empty_axes": 1, "keepdims": 0}, opset=v)
    check_node(op, {"X": x, "axes": np.zeros(0, np.int64)}, {"keepdims": 0}, opset=v)  # empty means all


@pytest.mark.parametrize("op", REDUCE_OPS)
def test_reduce_scalar_input(op):
    x = np.array(2.5, np.float32)
    check_node(op, {"X": x}, {}, opset=18)
    check_node(op, {"X": x}, {"keepdims": 0}, opset=11)


def test_reduce_special_values():
    x = np.array([[1, np.inf, 3], [-np.inf, -np.inf, 2], [np.nan, 1, 2]], np.float32)
    for op in ["ReduceSum", "ReduceMean", "ReduceLogSumExp", "ReduceL1", "ReduceSumSquare"]:
        reduce_check(op, x, (1,), 18)
    big = np.array([[1000, 1000.5], [-1000, -1001]], np.float32)
    reduce_check("ReduceLogSumExp", big, (1,), 18)


def test_reduce_axes_out_of_range_fail():
    refrt_fails("ReduceSum", {"X": rand(2, 3), "axes": np.array([2], np.int64)}, opset=13, match="out of range")
    refrt_fails("ReduceMean", {"X": rand(2, 3)}, {"axes": [-3]}, opset=13)  # caught when the model loads


def test_reduce_mean_integer_truncates_toward_zero():
    x = np.array([[1, -2], [-3, -4], [5, 2]], np.int32)
    got = reduce_check("ReduceMean", x, (1,), 18, keepdims=0)[0]
    np.testing.assert_array_equal(got, [0, -3, 3])


# ----------------------------------------------------------------------------------------------
# ArgMax / ArgMin


@pytest.mark.parametrize("op", ["ArgMax", "ArgMin"])
@pytest.mark.parametrize("axis", [0, 1, 2, -1, -3])
@pytest.mark.parametrize("keepdims", [0, 1])
@pytest.mark.parametrize("opset", [11, 12, 13])
def test_arg_extremes(op, axis, keepdims, opset):
    x = ints(3, 4, 5, low=0, high=4).astype(np.float32)  # plenty of ties
    check_node(op, {"X": x}, {"axis": axis, "keepdims": keepdims}, opset=opset)
    if opset >= 12:
        check_node(op, {"X": x}, {"axis": axis, "keepdims": keepdims, "select_last_index": 1}, opset=opset)


@pytest.mark.parametrize("op", ["ArgMax", "ArgMin"])
@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.int8, np.uint8, np.float64, np.float16])
def test_arg_extremes_types(op, dtype):
    x = ints(4, 6, low=0, high=5).astype(dtype)
    check_node(op, {"X": x}, {"axis": 1, "select_last_index": 1}, opset=13)
    check_node(op, {"X": x}, {}, opset=13)


@pytest.mark.parametrize("op", ["ArgMax", "ArgMin"])
def test_arg_extremes_first_revision(op):
    check_node(op, {"X": rand(3, 4)}, {"axis": 1}, opset=1)
    check_node(op, {"X": rand(3, 4)}, {"keepdims": 0}, opset=1)


@pytest.mark.parametrize("op", ["ArgMax", "ArgMin"])
def test_arg_extremes_edge_shapes(op):
    check_node(op, {"X": rand(0, 3)}, {"axis": 1}, opset=13)  # empty output, fine
    refrt_fails(op, {"X": rand(3, 0)}, {"axis": 1}, opset=13, match="size 0")
    refrt_fails(op, {"X": rand(3, 2)}, {"axis": 2}, opset=13)


# ----------------------------------------------------------------------------------------------
# Softmax, LogSoftmax, Hardmax

SOFTMAX_OPS = ["Softmax", "LogSoftmax", "Hardmax"]


@pytest.mark.parametrize("op", SOFTMAX_OPS)
@pytest.mark.parametrize("opset", [1, 11, 13])
@pytest.mark.parametrize("axis", [None, 0, 1, 2, -1, -2])
def test_softmax_family(op, opset, axis):
    """Before 13 the input is seen as 2-D at ``axis`` (default 1); from 13 one axis (default -1)."""
    if opset == 1 and axis is not None and axis < 0:
        pytest.skip("negative axes arrive at opset 11")
    x = rand(2, 3, 4, scale=3)
    if op == "Hardmax":
        x = ints(2, 3, 4, low=0, high=3).astype(np.float32)  # ties: the first index wins
    attrs = {} if axis is None else {"axis": axis}
    check_node(op, {"X": x}, attrs, opset=opset)


@pytest.mark.parametrize("op", SOFTMAX_OPS)
def test_softmax_family_legacy_flattens_and_new_does_not(op):
    x = rand(2, 3, 4)
    old = check_node(op, {"X": x}, {"axis": 1}, opset=11)[0]
    new = check_node(op, {"X": x}, {"axis": 1}, opset=13)[0]
    if op == "Softmax":
        np.testing.assert_allclose(old.reshape(2, -1).sum(1), 1, rtol=1e-5)
        np.testing.assert_allclose(new.sum(1), 1, rtol=1e-5)


@pytest.mark.parametrize("op", SOFTMAX_OPS)
@pytest.mark.parametrize("dtype", [np.float64, np.float16])
def test_softmax_family_types(op, dtype):
    x = rand(3, 7, scale=2).astype(dtype)
    if op == "Hardmax" and dtype != np.float32:
        pytest.skip("onnxruntime has only a float32 Hardmax (see test_hardmax_other_types)")
    tol = dict(rtol=2e-3, atol=2e-3) if dtype == np.float16 else dict(rtol=1e-12, atol=1e-13)
    check_node(op, {"X": x}, {}, opset=13, **tol)
    check_node(op, {"X": x}, {"axis": 0}, opset=11, **tol)


@pytest.mark.parametrize("op", SOFTMAX_OPS)
def test_softmax_family_large_values_and_edges(op):
    x = np.array([[1000, 1001, 999], [-1000, -1000, -1000], [0, 50, -50]], np.float32)
    check_node(op, {"X": x}, {}, opset=13)
    check_node(op, {"X": x}, {"axis": 0}, opset=11)
    check_node(op, {"X": rand(0, 4)}, {}, opset=13)
    check_node(op, {"X": rand(3, 0)}, {}, opset=13)
    check_node(op, {"X": rand(5)}, {"axis": 0}, opset=13)


@pytest.mark.parametrize("dtype", [np.float64, np.float16])
def test_hardmax_other_types(dtype):
    # onnxruntime's Hardmax is float32-only; on float32-exact values the one-hots must agree.
    x = ints(4, 6, low=0, high=3).astype(dtype)
    for opset, attrs in ((13, {}), (11, {"axis": 0})):
        got = run_refrt(make_node_model("Hardmax", {"X": x}, attrs, opset=opset), {"X": x})[0]
        x32 = x.astype(np.float32)
        expected = run_ort(make_node_model("Hardmax", {"X": x32}, attrs, opset=opset), {"X": x32})[0]
        assert got.dtype == dtype
        np.testing.assert_array_equal(got.astype(np.float32), expected)


@pytest.mark.parametrize("op, attrs", [("Softmax", {}), ("LogSoftmax", {}), ("Hardmax", {}), ("ArgMax", {"axis": 1})])
def test_infinite_rows(op, attrs):
    x = np.array([[-np.inf, -np.inf, -np.inf], [1, 2, -np.inf], [np.inf, 1, 2]], np.float32)
    check_node(op, {"X": x}, attrs, opset=13)
    check_node("ReduceLogSumExp", {"X": x}, {"axes": [1]}, opset=13)


def test_softmax_axis_out_of_range_fails():
    refrt_fails("Softmax", {"X": rand(2, 3)}, {"axis": 2}, opset=13)
    refrt_fails("Softmax", {"X": rand(2, 3)}, {"axis": -3}, opset=11)


@pytest.mark.parametrize("op", SOFTMAX_OPS)
def test_softmax_ops_refuse_a_0d_input(op):
    # The spec wants rank >= 1. Shape inference refuses a declared scalar at load; an input of
    # unknown rank reaches the kernel, which refuses it as onnxruntime does (Softmax and LogSoftmax
    # once ran a ufunc's out= on a NumPy scalar instead, or returned 0).
    node = helper.make_node(op, ["X"], ["Y"])
    graph = helper.make_graph([node], "t", [helper.make_tensor_value_info("X", TensorProto.FLOAT, None)],
                              [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=8)
    feeds = {"X": np.array(0.5, np.float32)}
    with pytest.raises(Exception, match="out of range|not in valid range"):
        run_ort(model, feeds)
    with pytest.raises(Exception, match="rank 0") as info:
        run_refrt(model, feeds)
    assert type(info.value).__name__ == "Fail"


# ----------------------------------------------------------------------------------------------
# CumSum


@pytest.mark.parametrize("exclusive", [0, 1])
@pytest.mark.parametrize("reverse", [0, 1])
@pytest.mark.parametrize("axis", [0, 1, -1])
@pytest.mark.parametrize("opset", [11, 14])
def test_cum_sum(exclusive, reverse, axis, opset):
    attrs = {"exclusive": exclusive, "reverse": reverse}
    check_node("CumSum", {"X": rand(3, 4), "axis": np.array(axis, np.int64)}, attrs, opset=opset)
    check_node("CumSum", {"X": ints(2, 3, 4), "axis": np.array(axis, np.int32)}, attrs, opset=opset)


@pytest.mark.parametrize("dtype", [np.float64, np.int64, np.int32])
def test_cum_sum_types(dtype):
    x = ints(5, 3, low=0, high=9).astype(dtype)
    check_node("CumSum", {"X": x, "axis": np.array(0, np.int64)}, {"exclusive": 1}, opset=14)


def test_cum_sum_edges():
    check_node("CumSum", {"X": rand(0, 3), "axis": np.array(0, np.int64)}, {"exclusive": 1}, opset=14)
    check_node("CumSum", {"X": rand(7), "axis": np.array([0], np.int64)}, {"reverse": 1}, opset=14)
    refrt_fails("CumSum", {"X": rand(2, 3), "axis": np.array(2, np.int64)}, opset=14, match="out of range")


# ----------------------------------------------------------------------------------------------
# Einsum

EINSUM_CASES = [
    ("ij,jk->ik", [(3, 4), (4, 5)]),
    ("ij,jk", [(3, 4), (4, 5)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("...ij,...jk->...ik", [(2, 3, 4), (2, 4, 5)]),
    ("...ij,jk", [(2, 2, 3, 4), (4, 5)]),
    ("ij->ji", [(3, 4)]),
    ("ii->i", [(4, 4)]),
    ("ii", [(4, 4)]),
    ("ij->", [(3, 4)]),
    ("i,i", [(5,), (5,)]),
    ("i,j->ij", [(3,), (4,)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    ("Ab,bC->AC", [(2, 3), (3, 4)]),
    ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]),
]


@pytest.mark.parametrize("equation, shapes", EINSUM_CASES, ids=[c[0] for c in EINSUM_CASES])
def test_einsum(equation, shapes):
    inputs = {f"x{i}": rand(*s) for i, s in enumerate(shapes)}
    check_node("Einsum", inputs, {"equation": equation}, opset=12, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("dtype", [np.float64, np.int32, np.int64])
def test_einsum_types(dtype):
    inputs = {"a": ints(3, 4).astype(dtype), "b": ints(4, 2).astype(dtype)}
    check_node("Einsum", inputs, {"equation": "ij,jk->ik"}, opset=12)
    check_node("Einsum", inputs, {"equation": "ij,jk->ik"}, opset=28)


def test_einsum_implicit_output_orders_uppercase_first():
    # onnxruntime rejects this implicit equation; the spec's output is "Aa" (ASCII order).
    inputs = {"a": rand(3, 2), "b": rand(4, 3)}
    got = run_refrt(make_node_model("Einsum", inputs, {"equation": "ba,Ab"}, opset=12), inputs)
    expected = run_ort(make_node_model("Einsum", inputs, {"equation": "ba,Ab->Aa"}, opset=12), inputs)
    assert_same(expected, got, 1e-5, 1e-5)


def test_einsum_equation_with_spaces():
    # The spec allows spaces; onnxruntime rejects them, so it runs the equation without them.
    inputs = {"a": rand(3, 4), "b": rand(4, 5)}
    got = run_refrt(make_node_model("Einsum", inputs, {"equation": " ij , jk -> ik "}, opset=12), inputs)
    expected = run_ort(make_node_model("Einsum", inputs, {"equation": "ij,jk->ik"}, opset=12), inputs)
    assert_same(expected, got, 1e-5, 1e-5)


def test_einsum_bad_equation_fails():
    refrt_fails("Einsum", {"a": rand(3, 4), "b": rand(5, 2)}, {"equation": "ij,jk->ik"}, opset=12)


def test_einsum_through_onnxruntime_at_opset_28():
    inputs = {"a": rand(2, 3, 4), "b": rand(4, 3)}
    model = make_node_model("Einsum", inputs, {"equation": "bij,jk->bik"}, opset=28)
    assert_same(run_ort(model, inputs), run_refrt(model, inputs), 1e-5, 1e-5)
