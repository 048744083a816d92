"""Indexing and rearranging kernels against onnxruntime: Gather, GatherElements, GatherND,
ScatterElements, ScatterND, Scatter, Dropout, TopK, NonZero, OneHot, Trilu, DepthToSpace,
SpaceToDepth, EyeLike, Compress, ReverseSequence.

Dropout 1 and 6 and the deprecated Scatter-11 are not in onnxruntime; they are checked against
NumPy expectations.
"""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto

import refrt
from oracle import check_model, check_node, feeds_of, make_node_model, refrt_only, run_refrt, typed_model

rng = np.random.default_rng(11)
i64 = lambda *v: np.array(v, dtype=np.int64)  # noqa: E731


def randn(*shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


def check_typed(op, inputs, attrs=None, *, opset, n_outputs=1):
    check_model(typed_model(op, inputs, attrs, opset=opset, n_outputs=n_outputs), feeds_of(inputs))


# ---------------------------------------------------------------- Gather family

@pytest.mark.parametrize("opset", [1, 11, 13])
@pytest.mark.parametrize(
    "axis, idx", [(0, [[0, 2], [1, 1]]), (1, [3, 0, -1]), (-1, 2), (2, [[-5]]), (0, np.zeros((0,), int))]
)
def test_gather(opset, axis, idx):
    if (axis < 0 or np.min(idx, initial=0) < 0) and opset < 11:
        pytest.skip("negative axes and indices arrive with opset 11")
    check_node("Gather", {"x": randn(3, 4, 5), "i": np.array(idx, dtype=np.int64)}, {"axis": axis}, opset=opset)


def test_gather_int32_indices_and_strings():
    check_node("Gather", {"x": np.array(list("abcd"), dtype=object), "i": np.array([3, 0], np.int32)}, opset=13)


def test_gather_out_of_range_fails():
    with pytest.raises(refrt.Fail, match="out of bounds"):
        run_refrt(make_node_model("Gather", {"x": randn(3), "i": i64(3)}, opset=13), {"x": randn(3), "i": i64(3)})


@pytest.mark.parametrize("opset", [11, 13])
@pytest.mark.parametrize("axis, ishape", [(0, (2, 4)), (1, (3, 2)), (-1, (1, 6)), (0, (0, 4))])
def test_gather_elements(opset, axis, ishape):
    x = randn(3, 4)
    dim = x.shape[axis]
    idx = rng.integers(-dim, dim, size=ishape)
    check_node("GatherElements", {"x": x, "i": idx}, {"axis": axis}, opset=opset)


@pytest.mark.parametrize("opset", [11, 12, 13])
@pytest.mark.parametrize("ishape, m", [((2,), 2), ((3, 1), 1), ((2, 2, 3), 3), ((4, 0), 0)])
def test_gather_nd(opset, ishape, m):
    x = randn(3, 4, 5)
    dims = np.array(x.shape[:m])
    shape = ishape[:-1] + (m,)
    idx = rng.integers(0, 100, size=shape) % np.maximum(dims, 1) - dims * (rng.random(shape) > 0.5)  # some negative
    check_node("GatherND", {"x": x, "i": idx.astype(np.int64)}, opset=opset)


@pytest.mark.parametrize("opset", [12, 13])
@pytest.mark.parametrize("batch_dims, ishape", [(1, (3, 2)), (1, (3, 2, 1)), (2, (3, 4, 1)), (1, (3, 1, 2))])
def test_gather_nd_batch_dims(opset, batch_dims, ishape):
    x = randn(3, 4, 5)
    m = ishape[-1]
    dims = np.array(x.shape[batch_dims: batch_dims + m])
    idx = rng.integers(0, 100, size=ishape) % dims
    check_node("GatherND", {"x": x, "i": idx.astype(np.int64)}, {"batch_dims": batch_dims}, opset=opset)


# ---------------------------------------------------------------- Scatter family

def distinct_along(axis, dim, shape):
    """Indices (some negative) along ``axis``, distinct within each line so that 'none' has one answer."""
    order = np.argsort(rng.random(shape[:axis] + (dim,) + shape[axis + 1:]), axis=axis)
    return np.take(order, np.arange(shape[axis]), axis=axis) - dim * (rng.random(shape) > 0.5)


@pytest.mark.parametrize("opset", [11, 13, 16, 18])
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_scatter_elements(opset, axis):
    x = randn(4, 5)
    idx = distinct_along(axis % 2, x.shape[axis], (3, 2) if axis == 0 else (2, 3))
    check_node("ScatterElements", {"x": x, "i": idx.astype(np.int64), "u": randn(*idx.shape)}, {"axis": axis}, opset=opset)


@pytest.mark.parametrize("opset", [16, 18])
@pytest.mark.parametrize("reduction", ["add", "mul", "none"])
def test_scatter_elements_reduction(opset, reduction):
    x = randn(3, 4)
    idx = i64([0, 0, 2, 0], [1, 1, 1, 1]) if reduction != "none" else i64([0, 1, 2, 0], [1, 2, 0, 1])
    check_node("ScatterElements", {"x": x, "i": idx, "u": randn(2, 4)}, {"axis": 0, "reduction": reduction}, opset=opset)


@pytest.mark.parametrize("reduction", ["max", "min"])
@pytest.mark.parametrize("dtype", [np.float32, np.int64])
def test_scatter_elements_max_min(reduction, dtype):
    x = (randn(3, 4) * 10).astype(dtype)
    idx = i64([0, 0, 2, 0], [0, 2, 2, 1])
    check_node("ScatterElements", {"x": x, "i": idx, "u": (randn(2, 4) * 10).astype(dtype)},
               {"axis": 0, "reduction": reduction}, opset=18)


@pytest.mark.parametrize("opset", [11, 13, 16, 18])
@pytest.mark.parametrize("ishape", [(2, 1), (2, 2), (1, 3), (2, 2, 1)])
def test_scatter_nd(opset, ishape):
    x = randn(4, 5, 6)
    k = ishape[-1]
    flat = rng.permutation(int(np.prod(x.shape[:k])))[: int(np.prod(ishape[:-1]))]
    idx = np.stack(np.unravel_index(flat, x.shape[:k]), axis=-1).reshape(ishape)
    updates = randn(*(ishape[:-1] + x.shape[k:]))
    check_node("ScatterND", {"x": x, "i": idx.astype(np.int64), "u": updates}, opset=opset)


@pytest.mark.parametrize("opset", [16, 18])
@pytest.mark.parametrize("reduction", ["add", "mul"])
def test_scatter_nd_reduction(opset, reduction):
    x = randn(4, 3)
    idx = i64([1], [1], [-1], [0])
    check_node("ScatterND", {"x": x, "i": idx, "u": randn(4, 3)}, {"reduction": reduction}, opset=opset)


@pytest.mark.parametrize("reduction", ["max", "min"])
def test_scatter_nd_max_min(reduction):
    x = np.arange(12, dtype=np.int32).reshape(4, 3)
    idx = i64([1, 0], [1, 0], [3, 2])
    check_node("ScatterND", {"x": x, "i": idx, "u": np.array([50, -5, 7], np.int32)}, {"reduction": reduction}, opset=18)


def test_scatter_9():
    x = randn(3, 3)
    idx = i64([1, 0, 2], [0, 2, 1])
    check_node("Scatter", {"x": x, "i": idx, "u": randn(2, 3)}, {"axis": 0}, opset=9)
    check_node("Scatter", {"x": x, "i": i64([2, -1]), "u": randn(1, 2)}, {"axis": 1}, opset=9)


def test_deprecated_revisions_scatter_11_and_upsample_10():
    # onnxruntime 1.32 refuses these deprecated schemas (INVALID_GRAPH); whether refrt runs them is
    # the planner's choice, so the kernels are called directly and compared with NumPy.
    refrt.InferenceSession  # noqa: B018 - the session module discovers the kernel packages
    from refrt import providers, registry

    providers.discover_all()
    scatter = registry.lookup("", "Scatter", 11, registry.DEFAULT_PROVIDER).fn
    x = randn(2, 3)
    y = scatter(x, i64([2, 0]), np.array([[5.0, 6.0]], np.float32), axis=1)
    expected = x.copy()
    expected[0, 2], expected[0, 0] = 5.0, 6.0
    np.testing.assert_array_equal(y, expected)
    upsample = registry.lookup("", "Upsample", 10, registry.DEFAULT_PROVIDER).fn
    x = np.arange(4, dtype=np.float32).reshape(1, 1, 2, 2)
    y = upsample(x, np.array([1, 1, 2, 3], np.float32), mode="nearest")
    np.testing.assert_array_equal(y, x.repeat(2, axis=2).repeat(3, axis=3))


# ---------------------------------------------------------------- Dropout

@pytest.mark.parametrize("opset", [7, 10, 12, 13, 22])
@pytest.mark.parametrize("n_outputs", [1, 2])
def test_dropout_inference(opset, n_outputs):
    # Before opset 12 onnxruntime's inference mask is all False (it marks dropped elements).
    check_typed("Dropout", {"x": randn(3, 4)}, {"ratio": 0.3} if opset < 12 else {}, opset=opset, n_outputs=n_outputs)


@pytest.mark.parametrize("opset", [12, 13, 22])
def test_dropout_inputs_inference(opset):
    inputs = {"x": randn(2, 5), "r": np.array(0.4, np.float32), "t": np.array(False)}
    check_node("Dropout", inputs, {"seed": 3}, opset=opset, n_outputs=2)
    check_node("Dropout", {"x": randn(2, 5).astype(np.float64), "r": np.array(0.0, np.float64), "t": np.array(True)},
               opset=opset, n_outputs=2)


def test_dropout_training_mode_scales_kept_elements():
    # Random masks cannot match onnxruntime's; check the arithmetic instead.
    x = randn(50, 40)
    inputs = {"x": x, "r": np.array(0.25, np.float32), "t": np.array(True)}
    y, mask = refrt_only("Dropout", inputs, {"seed": 1}, opset=13, n_outputs=2)
    assert mask.dtype == np.bool_ and 0.6 < mask.mean() < 0.9
    np.testing.assert_allclose(y, np.where(mask, x / 0.75, 0), rtol=1e-6)


@pytest.mark.parametrize("opset", [1, 6])
def test_dropout_legacy(opset):
    # Dropout 1 and 6 are not in onnxruntime; refrt runs them as inference like revision 7
    # (identity, and a mask of the data's type with no element dropped).
    x = randn(2, 3)
    y, mask = refrt_only("Dropout", {"x": x}, {"is_test": 1}, opset=opset, n_outputs=2)
    np.testing.assert_array_equal(y, x)
    np.testing.assert_array_equal(mask, np.zeros_like(x))
    assert mask.dtype == x.dtype


# ---------------------------------------------------------------- TopK / NonZero

TIES = np.array([[3, 1, 3, 2, 1, 3], [0, 0, 0, 0, 0, 0], [5, -1, 4, 5, -1, 2]], dtype=np.float32)


@pytest.mark.parametrize("k", [1, 3, 6])
def test_top_k_1(k):
    check_node("TopK", {"x": TIES}, {"k": k}, opset=1, n_outputs=2)


@pytest.mark.parametrize("axis", [-1, 0])
def test_top_k_10(axis):
    check_node("TopK", {"x": TIES, "k": i64(2)}, {"axis": axis}, opset=10, n_outputs=2)


@pytest.mark.parametrize("opset", [11, 24])
@pytest.mark.parametrize("largest", [0, 1])
@pytest.mark.parametrize("axis, k", [(-1, 4), (0, 2), (1, 0), (1, 6)])
def test_top_k_11(opset, largest, axis, k):
    check_node("TopK", {"x": TIES, "k": i64(k)}, {"axis": axis, "largest": largest}, opset=opset, n_outputs=2)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.float64, np.uint8])
def test_top_k_types(dtype):
    x = (rng.random((4, 7)) * 5).astype(dtype)
    check_node("TopK", {"x": x, "k": i64(3)}, {"largest": 1}, opset=11, n_outputs=2)
    check_node("TopK", {"x": x, "k": i64(3)}, {"largest": 0}, opset=11, n_outputs=2)


def test_top_k_k_too_large_fails():
    with pytest.raises(refrt.Fail, match="k=7"):
        refrt_only("TopK", {"x": TIES, "k": i64(7)}, opset=11, n_outputs=2)


@pytest.mark.parametrize("opset", [9, 13])
@pytest.mark.parametrize("x", [np.array([[1, 0], [0, 3]], np.int32), np.zeros((2, 3), np.float32),
                               np.array([True, False, True]), np.array(5.0, np.float32), np.zeros((0, 2), np.int64)])
def test_non_zero(opset, x):
    check_node("NonZero", {"x": x}, opset=opset)


# ---------------------------------------------------------------- OneHot / Trilu

@pytest.mark.parametrize("opset", [9, 11, 28])
@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_one_hot(opset, axis):
    indices = i64([0, 2, -1], [5, 1, -4])
    if opset == 9:
        indices = np.abs(indices)  # negative indices count from the end from opset 11
    check_node("OneHot", {"i": indices, "d": np.array(4, np.int64), "v": np.array([-1.0, 3.0], np.float32)},
               {"axis": axis}, opset=opset)


def test_one_hot_types():
    check_node("OneHot", {"i": np.array([1.7, 0.2], np.float32), "d": np.array([3.0], np.float32),
                          "v": np.array([0, 1], np.float32)}, opset=11)
    check_node("OneHot", {"i": np.array([[2.9, -1.2]], np.float32), "d": np.array(3, np.int64),
                          "v": np.array([4, 7], np.int64)}, opset=11)
    check_node("OneHot", {"i": np.array([[2]], np.int32), "d": np.array(3, np.int32),
                          "v": np.array([0, 5], np.float32)}, {"axis": -3}, opset=11)


@pytest.mark.parametrize("upper", [0, 1])
@pytest.mark.parametrize("k", [None, 0, 1, -2, 10, -10])
@pytest.mark.parametrize("shape", [(4, 5), (2, 3, 3), (0, 3)])
def test_trilu(upper, k, shape):
    check_node("Trilu", {"x": randn(*shape), "k": None if k is None else i64(k)}, {"upper": upper}, opset=14)


def test_trilu_types():
    check_node("Trilu", {"x": np.arange(12, dtype=np.int64).reshape(3, 4)}, opset=14)
    check_node("Trilu", {"x": np.ones((3, 3), bool)}, {"upper": 0}, opset=14)


# ---------------------------------------------------------------- DepthToSpace / SpaceToDepth

@pytest.mark.parametrize("opset", [1, 11, 13, 28])
@pytest.mark.parametrize("mode", ["DCR", "CRD"])
@pytest.mark.parametrize("blocksize", [1, 2, 3])
def test_depth_to_space(opset, mode, blocksize):
    if opset == 1 and mode == "CRD":
        pytest.skip("mode arrives with opset 11")
    x = randn(2, 2 * blocksize * blocksize, 3, 2)
    check_node("DepthToSpace", {"x": x}, {"blocksize": blocksize} | ({"mode": mode} if opset > 1 else {}), opset=opset)


@pytest.mark.parametrize("opset", [1, 13, 28])
@pytest.mark.parametrize("mode", ["DCR", "CRD"])
@pytest.mark.parametrize("blocksize", [1, 2, 3])
def test_space_to_depth(opset, mode, blocksize):
    if opset < 28 and mode == "CRD":
        pytest.skip("mode arrives with opset 28")
    x = randn(2, 3, 2 * blocksize, 3 * blocksize)
    attrs = {"blocksize": blocksize} | ({"mode": mode} if opset >= 28 else {})
    check_node("SpaceToDepth", {"x": x}, attrs, opset=opset)


def test_space_to_depth_inverts_depth_to_space():
    x = randn(1, 8, 2, 3)
    for mode in ("DCR", "CRD"):
        (y,) = refrt_only("DepthToSpace", {"x": x}, {"blocksize": 2, "mode": mode}, opset=28)
        (z,) = refrt_only("SpaceToDepth", {"y": y}, {"blocksize": 2, "mode": mode}, opset=28)
        np.testing.assert_array_equal(z, x)


# ---------------------------------------------------------------- EyeLike / Compress / ReverseSequence

@pytest.mark.parametrize("opset", [9, 22])
@pytest.mark.parametrize("shape, k", [((3, 3), 0), ((3, 5), 1), ((4, 2), -1), ((2, 3), 5), ((0, 2), 0)])
@pytest.mark.parametrize("dtype", [None, TensorProto.INT32, TensorProto.DOUBLE])
def test_eye_like(opset, shape, k, dtype):
    attrs = {"k": k} | ({} if dtype is None else {"dtype": dtype})
    check_node("EyeLike", {"x": randn(*shape)}, attrs, opset=opset)


@pytest.mark.parametrize("opset", [9, 11, 28])
@pytest.mark.parametrize("axis, cond", [(None, [1, 0, 1, 1]), (0, [0, 1]), (1, [1, 0, 1]), (-1, [0, 0, 0, 1]), (1, []),
                                        (1, [1, 0, 1, 1, 1, 1]), (None, [1] * 14)])
def test_compress(opset, axis, cond):
    if axis is not None and axis < 0 and opset < 11:
        pytest.skip("negative axes arrive with opset 11")
    attrs = {} if axis is None else {"axis": axis}
    check_typed("Compress", {"x": randn(3, 4), "c": np.array(cond, dtype=bool)}, attrs, opset=opset)


@pytest.mark.parametrize("opset", [10, 28])
@pytest.mark.parametrize("batch_axis, time_axis", [(1, 0), (0, 1)])
def test_reverse_sequence(opset, batch_axis, time_axis):
    x = randn(4, 4, 2) if batch_axis == 1 else randn(4, 5, 3)
    n_batch = x.shape[batch_axis]
    lens = rng.integers(0, x.shape[time_axis] + 1, size=n_batch)
    check_node("ReverseSequence", {"x": x, "lens": lens.astype(np.int64)},
               {"batch_axis": batch_axis, "time_axis": time_axis}, opset=opset)
