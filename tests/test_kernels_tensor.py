"""Tensor-shape and linear-algebra kernels against onnxruntime (MatMul, Gemm, Reshape, Flatten,
Transpose, Concat, Split, Slice, Squeeze, Unsqueeze, Expand, Tile, Identity, Shape, Size,
ConstantOfShape, Constant, Range, Pad), plus the revision coverage of the whole tensor group.

Revisions onnxruntime does not implement (Gemm 1/6, Concat 1, Split 1, Tile 1, Pad 1) are
checked against hand-computed NumPy expectations instead.
"""

from __future__ import annotations

import inspect

import numpy as np
import onnx
import pytest
from onnx import helper, numpy_helper

import refrt
from oracle import check_model, check_node, refrt_only, typed_model
from refrt import registry
from revisions import schema_id, schemas

rng = np.random.default_rng(7)
i64 = lambda *v: np.array(v, dtype=np.int64)  # noqa: E731


def randn(*shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


# ---------------------------------------------------------------- coverage of the group

TENSOR_OPS = (
    "MatMul Gemm Reshape Flatten Transpose Concat Split Slice Squeeze Unsqueeze Expand Tile Identity Shape "
    "Size ConstantOfShape Constant Range Pad Gather GatherElements GatherND ScatterElements ScatterND Scatter "
    "Dropout TopK NonZero OneHot Trilu DepthToSpace SpaceToDepth EyeLike Compress ReverseSequence Resize "
    "Upsample"
).split()


@pytest.fixture(scope="module")
def cpu_kernels():
    refrt.InferenceSession  # noqa: B018 - importing the session discovers the providers
    from refrt import providers

    providers.discover_all()
    return lambda op, v: registry.lookup("", op, v, registry.DEFAULT_PROVIDER)


@pytest.mark.parametrize("schema", schemas(TENSOR_OPS), ids=schema_id)
def test_every_revision_has_a_kernel_with_schema_defaults(schema, cpu_kernels):
    entry = cpu_kernels(schema.name, schema.since_version)
    assert entry is not None, f"no kernel for {schema.name}-{schema.since_version}"
    assert entry.attributes == set(schema.attributes), (entry.where, sorted(entry.attributes), sorted(schema.attributes))
    params = inspect.signature(entry.fn).parameters
    for name, attr in schema.attributes.items():
        default = params[name].default
        if attr.default_value.type == onnx.AttributeProto.UNDEFINED:
            assert default is None, (name, default)
            continue
        expected = helper.get_attribute_value(attr.default_value)
        if isinstance(expected, bytes):
            expected = expected.decode()
        assert default == expected and type(default) is type(expected), (name, default, expected)


# ---------------------------------------------------------------- MatMul / Gemm

@pytest.mark.parametrize("opset", [1, 9, 13])
@pytest.mark.parametrize(
    "sa, sb",
    [((3, 4), (4, 5)), ((2, 3, 4), (4, 5)), ((4,), (4, 5)), ((3, 4), (4,)), ((4,), (4,)),
     ((2, 1, 3, 4), (5, 4, 2)), ((0, 4), (4, 3)), ((3, 0), (0, 2))],
)
def test_matmul(opset, sa, sb):
    check_node("MatMul", {"A": randn(*sa), "B": randn(*sb)}, opset=opset, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype", [np.float64, np.int32, np.int64, np.uint64, np.float16])
def test_matmul_types(dtype):
    a = (rng.random((2, 3, 4)) * 10).astype(dtype)
    b = (rng.random((4, 2)) * 10).astype(dtype)
    check_node("MatMul", {"A": a, "B": b}, opset=13, rtol=1e-3 if dtype == np.float16 else 1e-6)


@pytest.mark.parametrize("opset", [7, 9, 11, 13])
@pytest.mark.parametrize(
    "attrs, cshape",
    [({}, (3, 5)), ({"alpha": 0.5, "beta": 2.0}, (5,)), ({"transA": 1}, (1, 5)), ({"transB": 1}, (3, 1)),
     ({"transA": 1, "transB": 1, "alpha": -1.5}, ()), ({"beta": 0.0}, (3, 5))],
)
def test_gemm(opset, attrs, cshape):
    a = randn(4, 3) if attrs.get("transA") else randn(3, 4)
    b = randn(5, 4) if attrs.get("transB") else randn(4, 5)
    check_node("Gemm", {"A": a, "B": b, "C": randn(*cshape)}, attrs, opset=opset, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype", [np.float64, np.float16])
def test_gemm_types_and_no_c(dtype):
    a, b = randn(3, 4).astype(dtype), randn(4, 2).astype(dtype)
    check_node("Gemm", {"A": a, "B": b}, {"alpha": 2.0}, opset=13, rtol=2e-3 if dtype == np.float16 else 1e-6)


@pytest.mark.parametrize("opset", [1, 6])
def test_gemm_legacy_broadcast(opset):
    # onnxruntime has no Gemm before opset 7: compare with NumPy.
    a, b = randn(3, 4), randn(4, 5)
    c_row = randn(5)
    (y,) = refrt_only("Gemm", {"A": a, "B": b, "C": c_row}, {"broadcast": 1, "alpha": 2.0, "beta": 0.5}, opset=opset)
    np.testing.assert_allclose(y, 2.0 * a @ b + 0.5 * c_row, rtol=1e-5, atol=1e-5)
    c_full = randn(3, 5)
    (y,) = refrt_only("Gemm", {"A": a.T.copy(), "B": b, "C": c_full}, {"transA": 1}, opset=opset)
    np.testing.assert_allclose(y, a @ b + c_full, rtol=1e-5, atol=1e-5)
    with pytest.raises(refrt.Fail, match="broadcast=0"):
        refrt_only("Gemm", {"A": a, "B": b, "C": c_row}, opset=opset)


# ---------------------------------------------------------------- Reshape / Flatten / Transpose

def test_reshape_1_attribute():
    inputs = {"data": randn(2, 3, 4)}
    check_model(typed_model("Reshape", inputs, {"shape": [4, 0, -1]}, opset=1), inputs)


@pytest.mark.parametrize("opset", [5, 13, 14, 19, 21, 25])
@pytest.mark.parametrize("shape", [(4, 6), (-1,), (0, -1), (2, 0, 2, 2), (-1, 3, 1), (24,)])
def test_reshape(opset, shape):
    check_node("Reshape", {"data": randn(2, 3, 4), "shape": i64(*shape)}, opset=opset)


@pytest.mark.parametrize("opset", [14, 25])
def test_reshape_allowzero(opset):
    check_node("Reshape", {"data": randn(0, 3), "shape": i64(3, 0)}, {"allowzero": 1}, opset=opset)
    check_node("Reshape", {"data": randn(2, 3), "shape": i64(0, 3)}, {"allowzero": 0}, opset=opset)
    check_node("Reshape", {"data": np.arange(6, dtype=np.int64), "shape": i64(3, 2)}, {"allowzero": 1}, opset=opset)


def test_reshape_bad_shape_fails():
    with pytest.raises(refrt.Fail, match="cannot be reshaped"):
        refrt_only("Reshape", {"data": randn(4, 3), "shape": i64(7, 7)}, opset=13)
    with pytest.raises(refrt.Fail, match="at most one"):
        refrt_only("Reshape", {"data": randn(4, 3), "shape": i64(-1, -1)}, opset=13)


@pytest.mark.parametrize("opset", [1, 9, 11, 13, 21, 25])
@pytest.mark.parametrize("axis", [0, 1, 2, 3])
def test_flatten(opset, axis):
    check_node("Flatten", {"x": randn(2, 3, 4)}, {"axis": axis}, opset=opset)


@pytest.mark.parametrize("axis", [-1, -3])
def test_flatten_negative_axis(axis):
    check_node("Flatten", {"x": randn(2, 3, 4).astype(np.float16)}, {"axis": axis}, opset=13)


@pytest.mark.parametrize("opset", [1, 13, 21, 25])
@pytest.mark.parametrize("perm", [None, [0, 2, 1], [2, 0, 1], [1, 0, 2]])
def test_transpose(opset, perm):
    attrs = {} if perm is None else {"perm": perm}
    check_node("Transpose", {"x": randn(2, 3, 4)}, attrs, opset=opset)


def test_transpose_types():
    check_node("Transpose", {"x": np.array([["a", "b", "c"]], dtype=object)}, opset=13)
    check_node("Transpose", {"x": rng.random((2, 3)) > 0.5}, opset=13)
    check_node("Transpose", {"x": randn(0, 3)}, opset=13)


# ---------------------------------------------------------------- Concat / Split

@pytest.mark.parametrize("opset", [4, 11, 13])
@pytest.mark.parametrize("axis", [0, 1, -1] )
def test_concat(opset, axis):
    if axis < 0 and opset < 11:
        pytest.skip("negative axes arrive with opset 11")
    shapes = {0: [(1, 3, 2), (2, 3, 2)], 1: [(2, 1, 2), (2, 3, 2), (2, 0, 2)], -1: [(2, 3, 1), (2, 3, 2)]}[axis]
    inputs = {f"x{i}": randn(*s) for i, s in enumerate(shapes)}
    check_node("Concat", inputs, {"axis": axis}, opset=opset)


def test_concat_strings_and_ints():
    check_node("Concat", {"a": np.array(["x"], dtype=object), "b": np.array(["y", "z"], dtype=object)},
               {"axis": 0}, opset=13)
    check_node("Concat", {"a": i64(1, 2), "b": i64(3)}, {"axis": 0}, opset=13)


def test_concat_1_default_axis():
    # Concat-1 (default axis 1) is not in onnxruntime.
    a, b = randn(2, 1, 3), randn(2, 2, 3)
    (y,) = refrt_only("Concat", {"a": a, "b": b}, opset=1)
    np.testing.assert_array_equal(y, np.concatenate([a, b], axis=1))
    (y,) = refrt_only("Concat", {"a": a, "b": a}, {"axis": 2}, opset=1)
    np.testing.assert_array_equal(y, np.concatenate([a, a], axis=2))


@pytest.mark.parametrize("opset", [2, 11])
@pytest.mark.parametrize(
    "attrs, n", [({"axis": 1}, 2), ({"axis": 1, "split": [1, 3]}, 2), ({"axis": -1, "split": [2, 0, 4]}, 3), ({}, 1)]
)
def test_split_attribute(opset, attrs, n):
    if attrs.get("axis", 0) < 0 and opset < 11:
        pytest.skip("negative axes arrive with opset 11")
    check_node("Split", {"x": randn(2, 4, 6)}, attrs, opset=opset, n_outputs=n)


@pytest.mark.parametrize("opset", [13, 18])
@pytest.mark.parametrize("split, axis, n", [(None, 0, 2), ((1, 1), 0, 2), ((3, 1, 2), 2, 3), ((4,), 1, 1), ((0, 6), -1, 2)])
def test_split_input(opset, split, axis, n):
    if split is None and opset >= 18:
        pytest.skip("from opset 18 either 'split' or 'num_outputs' must be given")
    x = randn(2, 4, 6)
    check_node("Split", {"x": x, "split": None if split is None else i64(*split)}, {"axis": axis},
               opset=opset, n_outputs=n)


@pytest.mark.parametrize("dim, n", [(7, 3), (6, 4), (4, 3), (5, 5)])
def test_split_num_outputs_uneven(dim, n):
    check_node("Split", {"x": randn(2, dim)}, {"axis": 1, "num_outputs": n}, opset=18, n_outputs=n)


def test_split_1():
    # Split-1 is not in onnxruntime; lengths come from the attribute or from the optional input.
    x = randn(6, 2)
    outs = refrt_only("Split", {"x": x}, {"split": [2, 4]}, opset=1, n_outputs=2)
    np.testing.assert_array_equal(outs[0], x[:2])
    np.testing.assert_array_equal(outs[1], x[2:])
    outs = refrt_only("Split", {"x": x, "split": np.array([5, 1], np.float32)}, {"axis": 0}, opset=1, n_outputs=2)
    np.testing.assert_array_equal(outs[1], x[5:])
    outs = refrt_only("Split", {"x": x}, {"axis": 1}, opset=1, n_outputs=2)
    np.testing.assert_array_equal(outs[1], x[:, 1:])


def test_split_uneven_equal_parts_fails():
    with pytest.raises(refrt.Fail, match="split"):
        refrt_only("Split", {"x": randn(5)}, opset=11, n_outputs=2)


# ---------------------------------------------------------------- Slice

def test_slice_1_attributes():
    x = randn(4, 5, 6)
    check_node("Slice", {"x": x}, {"starts": [1, -4], "ends": [100, -1], "axes": [0, 2]}, opset=1)
    check_node("Slice", {"x": x}, {"starts": [0, 1], "ends": [2, 3]}, opset=1)


SLICES = [
    ((1,), (3,), None, None),
    ((0, 1), (2, 4), (0, 2), None),
    ((-1,), (-100,), (1,), (-1,)),               # full reverse, end clamped to before index 0
    ((4,), (0,), (1,), (-2,)),
    ((10,), (-10,), (2,), (-1,)),                # start clamped to dim-1 for a negative step
    ((0,), (2**63 - 1,), (-1,), (2,)),           # INT64_MAX end
    ((-2**63,), (2,), (0,), (1,)),
    ((2, 0), (2, 5), (2, 0), (1, 3)),            # empty result on axis 2, unsorted axes
    ((1, 1, 1), (-1, -1, -1), (-3, -2, -1), (1, 1, 1)),
]


@pytest.mark.parametrize("opset", [10, 11, 13])
@pytest.mark.parametrize("starts, ends, axes, steps", SLICES)
def test_slice(opset, starts, ends, axes, steps):
    if axes is not None and min(axes) < 0 and opset < 11:
        pytest.skip("negative axes arrive with opset 11")
    inputs = {"x": randn(4, 5, 6), "starts": i64(*starts), "ends": i64(*ends),
              "axes": None if axes is None else i64(*axes), "steps": None if steps is None else i64(*steps)}
    check_node("Slice", inputs, opset=opset)


def test_slice_int32_indices_and_types():
    x = np.arange(20, dtype=np.int32).reshape(4, 5)
    ind = lambda *v: np.array(v, dtype=np.int32)  # noqa: E731
    check_node("Slice", {"x": x, "s": ind(3), "e": ind(0), "a": ind(1), "p": ind(-1)}, opset=13)
    check_node("Slice", {"x": np.array(list("abcdef"), dtype=object), "s": i64(1), "e": i64(5)}, opset=13)


# ---------------------------------------------------------------- Squeeze / Unsqueeze

@pytest.mark.parametrize("opset", [1, 11])
@pytest.mark.parametrize("axes", [None, [0], [0, 2], [-1]])
def test_squeeze_attribute(opset, axes):
    if axes and min(axes) < 0 and opset < 11:
        pytest.skip("negative axes arrive with opset 11")
    check_node("Squeeze", {"x": randn(1, 3, 1)}, {} if axes is None else {"axes": axes}, opset=opset)


@pytest.mark.parametrize("opset", [13, 21, 25])
@pytest.mark.parametrize("axes", [None, (0,), (0, 2), (-1, 0), ()])
def test_squeeze_input(opset, axes):
    check_node("Squeeze", {"x": randn(1, 3, 1), "axes": None if axes is None else i64(*axes)}, opset=opset)


def test_squeeze_non_unit_axis_fails():
    with pytest.raises(refrt.Fail, match="not 1"):
        refrt_only("Squeeze", {"x": randn(1, 3), "axes": i64(1)}, opset=13)


@pytest.mark.parametrize("opset", [1, 11])
@pytest.mark.parametrize("axes", [[0], [1, 3], [-1]])
def test_unsqueeze_attribute(opset, axes):
    if min(axes) < 0 and opset < 11:
        pytest.skip("negative axes arrive with opset 11")
    check_node("Unsqueeze", {"x": randn(2, 3)}, {"axes": axes}, opset=opset)


@pytest.mark.parametrize("opset", [13, 21, 25])
@pytest.mark.parametrize("axes", [(0,), (3, 1), (-1, -4), (0, 1, 2)])
def test_unsqueeze_input(opset, axes):
    check_node("Unsqueeze", {"x": randn(2, 3), "axes": i64(*axes)}, opset=opset)


def test_unsqueeze_scalar():
    check_node("Unsqueeze", {"x": np.array(3.0, dtype=np.float32), "axes": i64(0)}, opset=13)


# ---------------------------------------------------------------- Expand / Tile / Identity / Shape / Size

@pytest.mark.parametrize("opset", [8, 13])
@pytest.mark.parametrize("xs, shape", [((3, 1), (2, 3, 4)), ((1,), (5,)), ((2, 3), (1, 1)), ((3, 1), (3, 0)),
                                       ((), (2, 2)), ((4, 1, 2), (4, 2))])
def test_expand(opset, xs, shape):
    check_node("Expand", {"x": randn(*xs), "shape": i64(*shape)}, opset=opset)


def test_expand_output_is_writable():
    (y,) = refrt_only("Expand", {"x": randn(1, 2), "shape": i64(3, 2)}, opset=13)
    assert y.flags.writeable


@pytest.mark.parametrize("opset", [6, 13])
@pytest.mark.parametrize("reps", [(1, 1, 1), (2, 1, 3), (0, 2, 1)])
def test_tile(opset, reps):
    check_node("Tile", {"x": randn(2, 3, 1), "r": i64(*reps)}, opset=opset)
    check_node("Tile", {"x": np.array(["a", "b"], dtype=object), "r": i64(reps[1])}, opset=opset)


def test_tile_1():
    # Tile-1 (tiles and axis as scalar inputs of the data's type) is not in onnxruntime.
    x = randn(2, 3)
    (y,) = refrt_only("Tile", {"x": x, "tiles": np.array(3.0, np.float32), "axis": np.array(1.0, np.float32)}, opset=1)
    np.testing.assert_array_equal(y, np.tile(x, (1, 3)))


@pytest.mark.parametrize("opset", [1, 13, 14, 16, 19, 21, 25])
def test_identity(opset):
    check_node("Identity", {"x": randn(2, 3)}, opset=opset)
    check_node("Identity", {"x": i64(1, 2)}, opset=opset)


@pytest.mark.parametrize("opset", [1, 13])
def test_shape(opset):
    check_node("Shape", {"x": randn(2, 0, 4)}, opset=opset)
    check_node("Shape", {"x": np.array(1.0, np.float32)}, opset=opset)


@pytest.mark.parametrize("opset", [15, 19, 21, 25])
@pytest.mark.parametrize("start, end", [(0, None), (1, None), (-1, None), (0, -1), (-10, 10), (2, 1)])
def test_shape_start_end(opset, start, end):
    attrs = {"start": start} if end is None else {"start": start, "end": end}
    check_node("Shape", {"x": randn(2, 3, 4)}, attrs, opset=opset)


@pytest.mark.parametrize("opset", [1, 13, 19, 21, 25])
def test_size(opset):
    check_node("Size", {"x": randn(2, 3, 4)}, opset=opset)
    check_node("Size", {"x": randn(0, 3)}, opset=opset)


# ---------------------------------------------------------------- ConstantOfShape / Constant / Range

@pytest.mark.parametrize("opset", [9, 20, 21, 25])
@pytest.mark.parametrize(
    "shape, value",
    [((2, 3), None), ((4,), np.array([7], np.int64)), ((), np.array([1.5], np.float64)),
     ((2, 0), np.array([1], np.int32)), ((3,), np.array([True])), ((2, 2), np.array([2.5], np.float16))],
)
def test_constant_of_shape(opset, shape, value):
    attrs = {} if value is None else {"value": numpy_helper.from_array(value)}
    check_node("ConstantOfShape", {"shape": np.array(shape, dtype=np.int64)}, attrs, opset=opset)


def test_constant_of_shape_refuses_terabytes_at_once():
    with pytest.raises(refrt.Fail, match="ConstantOfShape"):
        refrt_only("ConstantOfShape", {"shape": i64(2**20, 2**20, 2**10)}, opset=21)


@pytest.mark.parametrize("opset", [1, 9, 11, 12, 13, 19, 21, 25])
def test_constant_value(opset):
    values = [randn(2, 3), np.array(2.5, np.float64)]
    if opset >= 9:  # Constant-1 holds float types only
        values += [i64(4, 5), np.array([True, False])]
    for value in values:
        check_node("Constant", {}, {"value": numpy_helper.from_array(value)}, opset=opset)


@pytest.mark.parametrize(
    "attrs",
    [{"value_float": 1.5}, {"value_floats": [1.0, 2.5]}, {"value_int": 3}, {"value_ints": [1, 2, 3]},
     {"value_string": "hi"}, {"value_strings": ["a", "bc"]},
     {"value": helper.make_tensor("t", onnx.TensorProto.STRING, [2], [b"x", b"yz"])}],
)
@pytest.mark.parametrize("opset", [12, 13, 19, 25])
def test_constant_typed_values(opset, attrs):
    check_node("Constant", {}, attrs, opset=opset)


@pytest.mark.parametrize("opset", [11, 13])
def test_constant_sparse_value(opset):
    sparse = helper.make_sparse_tensor(
        numpy_helper.from_array(np.array([1.5, -2.0], np.float32), "values"),
        numpy_helper.from_array(i64(1, 5), "indices"),
        [2, 3],
    )
    # onnxruntime hands a sparse constant back as a SparseTensor object: compare with NumPy.
    (y,) = refrt_only("Constant", {}, {"sparse_value": sparse}, opset=opset)
    np.testing.assert_array_equal(y, np.array([[0, 1.5, 0], [0, 0, -2.0]], np.float32))
    assert y.dtype == np.float32


@pytest.mark.parametrize("opset", [11, 27])
@pytest.mark.parametrize(
    "start, limit, delta, dtype",
    [(3, 9, 3, np.int64), (10, 4, -2, np.int32), (0, 1, 0.1, np.float32), (1.5, -2.0, -0.3, np.float64),
     (5, 5, 1, np.int16), (0, 10, -1, np.int64), (0.0, 100.0, 0.7, np.float32)],
)
def test_range(opset, start, limit, delta, dtype):
    inputs = {n: np.array(v, dtype=dtype) for n, v in (("start", start), ("limit", limit), ("delta", delta))}
    check_node("Range", inputs, opset=opset)


def test_range_refuses_huge_output_and_zero_delta():
    big = {"s": np.array(0, np.int64), "l": np.array(2**62, np.int64), "d": np.array(1, np.int64)}
    with pytest.raises(refrt.Fail, match="Range"):
        refrt_only("Range", big, opset=11)
    zero = {"s": np.array(0, np.int64), "l": np.array(5, np.int64), "d": np.array(0, np.int64)}
    with pytest.raises(refrt.Fail, match="delta"):
        refrt_only("Range", zero, opset=11)


# ---------------------------------------------------------------- Pad

PADS = [(0, 1, 1, 0, 2, 1), (2, 0, 0, 1, 0, 3), (-1, 0, 1, 0, 1, -1), (0, 0, 0, 0, 0, 0)]


@pytest.mark.parametrize("mode", ["constant", "reflect", "edge"])
@pytest.mark.parametrize("pads", PADS)
def test_pad_2(mode, pads):
    check_node("Pad", {"x": randn(3, 4, 5)}, {"mode": mode, "pads": list(pads), "value": 1.5}, opset=2)


def test_pad_1_paddings():
    # Pad-1 (the 'paddings' attribute) is not in onnxruntime.
    x = randn(2, 3)
    (y,) = refrt_only("Pad", {"x": x}, {"paddings": [1, 0, 0, 2], "value": -1.0}, opset=1)
    np.testing.assert_array_equal(y, np.pad(x, ((1, 0), (0, 2)), constant_values=-1.0))
    (y,) = refrt_only("Pad", {"x": x}, {"paddings": [0, 1, 0, 1], "mode": "reflect"}, opset=1)
    np.testing.assert_array_equal(y, np.pad(x, ((0, 0), (1, 1)), mode="reflect"))


@pytest.mark.parametrize("opset", [11, 13, 18, 19, 21, 25])
@pytest.mark.parametrize("mode", ["constant", "reflect", "edge"])
@pytest.mark.parametrize("pads", PADS)
def test_pad(opset, mode, pads):
    inputs = {"x": randn(3, 4, 5), "pads": i64(*pads), "value": np.array(2.0, np.float32) if mode == "constant" else None}
    check_node("Pad", inputs, {"mode": mode}, opset=opset)


@pytest.mark.parametrize("opset", [19, 21, 25])
@pytest.mark.parametrize("pads", [(1, 2, 3, 0), (5, 0, 0, 6), (-1, 1, 2, -2)])
def test_pad_wrap(opset, pads):
    check_node("Pad", {"x": randn(3, 4), "pads": i64(*pads)}, {"mode": "wrap"}, opset=opset)


@pytest.mark.parametrize("opset", [18, 19, 25])
@pytest.mark.parametrize("axes, pads", [((1,), (1, 2)), ((-1, 0), (0, 1, 2, 3)), ((2,), (-1, 2))])
def test_pad_axes(opset, axes, pads):
    inputs = {"x": randn(2, 3, 4), "pads": i64(*pads), "value": np.array(-3.0, np.float32), "axes": i64(*axes)}
    check_node("Pad", inputs, opset=opset)


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.float64, np.uint8, np.bool_])
def test_pad_types(dtype):
    x = (rng.random((2, 3)) * 10).astype(dtype)
    check_node("Pad", {"x": x, "pads": i64(1, 0, 0, 2), "value": np.array(1, dtype)}, opset=13)
    check_node("Pad", {"x": x, "pads": i64(1, 1, 1, 1)}, {"mode": "edge"}, opset=13)


def test_pad_reflect_too_far_fails():
    with pytest.raises(refrt.Fail, match="reflect"):
        refrt_only("Pad", {"x": randn(3), "pads": i64(3, 0)}, {"mode": "reflect"}, opset=13)
