"""The Numba provider's index and resampling kernels (kernels/numba: op_resize, op_top_k,
op_non_max_suppression, op_gather_elements, op_scatter_elements, op_gather_nd, op_scatter_nd).

Each kernel against the NumPy kernel it replaces, called directly (registry.lookup), compared EXACTLY
(bit for bit, same dtype and shape): the gathers and plain scatters move raw bits, the reductions apply
the same operations in ufunc.at's order, TopK / NonMaxSuppression select the same indices in the same
order (ties: lower index first), and Resize does the same float32 (linear) / float64 (cubic) operations
in the same order from the same per-axis tables. Delegated cases (other dtypes, layouts, modes, errors)
give the NumPy kernel's result or error. Then small models through sessions with
["NumbaExecutionProvider", "CPUExecutionProvider"] against onnxruntime, with profiling showing the node
ran on the Numba provider.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

pytest.importorskip("numba")

from onnx import helper  # noqa: E402

from numba_checks import NUMBA, pair, run_numba, same  # noqa: E402
from oracle import make_model, run_ort  # noqa: E402

rng = np.random.default_rng(11)


def f32(*shape):
    return rng.standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("version", [10, 11, 13, 18, 19])
def test_every_revision_is_registered(version):
    for op in ["Resize", "TopK", "NonMaxSuppression", "GatherElements", "ScatterElements", "GatherND", "ScatterND"]:
        if version >= 11 or op in ("Resize", "TopK", "NonMaxSuppression"):
            pair(op, version)


# -- Resize -------------------------------------------------------------------------------------------

def test_resize_exact_all_modes():
    nb, ref = pair("Resize", 19)
    x = f32(1, 3, 5, 7)
    modes = ["half_pixel", "asymmetric", "pytorch_half_pixel", "align_corners", "half_pixel_symmetric"]
    for mode, ct, sc in itertools.product(["nearest", "linear", "cubic"], modes,
                                          [[1, 1, 2, 2], [1, 1, 0.6, 1.7], [1, 1, 1, 3]]):
        nms = ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"] if mode == "nearest" else ["floor"]
        for nm, ex in itertools.product(nms, [0, 1] if mode == "cubic" else [0]):
            kw = dict(mode=mode, coordinate_transformation_mode=ct, nearest_mode=nm, exclude_outside=ex)
            same(nb(x, None, np.array(sc, np.float32), None, **kw), ref(x, None, np.array(sc, np.float32), None, **kw))
            same(nb(x, None, None, np.array([1, 3, 9, 4]), **kw), ref(x, None, None, np.array([1, 3, 9, 4]), **kw))
    # axes (18+), Resize-10 and -11 signatures
    same(nb(x, None, np.array([2, 2], np.float32), axes=[2, 3], mode="linear"),
         ref(x, None, np.array([2, 2], np.float32), axes=[2, 3], mode="linear"))
    nb10, ref10 = pair("Resize", 10)
    same(nb10(x, np.array([1, 1, 2, 0.5], np.float32)), ref10(x, np.array([1, 1, 2, 0.5], np.float32)))
    nb11, ref11 = pair("Resize", 11)
    kw = dict(coordinate_transformation_mode="tf_half_pixel_for_nn", mode="nearest")
    same(nb11(x, np.array([]), np.array([1, 1, 3, 2], np.float32), **kw),
         ref11(x, np.array([]), np.array([1, 1, 3, 2], np.float32), **kw))


def test_resize_delegated_cases():
    nb, ref = pair("Resize", 19)
    x = f32(1, 3, 5, 7)
    sc = np.array([1, 1, 2, 2], np.float32)
    for args, kw in [((x.astype(np.float64), None, sc), {"mode": "linear"}),  # float64
                     ((x[0], None, np.array([1, 2, 2], np.float32)), {"mode": "linear"}),  # rank 3
                     ((x, None, np.array([1, 2, 2, 2], np.float32)), {"mode": "nearest"}),  # channels resized
                     ((x, None, sc), {"mode": "linear", "antialias": 1}),
                     ((x, np.array([0, 0, 0.1, 0.2, 1, 1, 0.8, 0.9], np.float32), sc),
                      {"mode": "linear", "coordinate_transformation_mode": "tf_crop_and_resize"}),
                     ((x, None, None, np.array([1, 3, 9, 9])), {"keep_aspect_ratio_policy": "not_larger"}),
                     ((x, None, np.array([1, 1, 1, 1], np.float32)), {})]:  # same shape: a copy
        same(nb(*args, **kw), ref(*args, **kw))
    with pytest.raises(ValueError):
        nb(x, None, sc, mode="bogus")
    with pytest.raises(ValueError):
        nb(x, None, sc, coordinate_transformation_mode="tf_half_pixel_for_nn")  # not in 19


# -- TopK ---------------------------------------------------------------------------------------------

def test_top_k_exact_ties_nan_axes():
    nb, ref = pair("TopK", 11)
    for dt, (shape, axis), k, largest in itertools.product(
            [np.float32, np.float64, np.int32, np.int64], [((5, 200), -1), ((4, 30, 6), 1), ((50,), 0)],
            [1, 3, 9], [0, 1]):
        x = rng.integers(-5, 5, shape).astype(dt)  # many ties
        if dt == np.float32:
            x[..., :2] = np.nan
            x.reshape(-1)[::7] = -0.0
        same(nb(x, np.array([k]), axis=axis, largest=largest), ref(x, np.array([k]), axis=axis, largest=largest))
    x = np.sort(f32(2, 3000))  # nearly sorted: the compiled pass gives up and sorts
    same(nb(x, np.array([50])), ref(x, np.array([50])))
    nb1, ref1 = pair("TopK", 1)
    same(nb1(x, k=4), ref1(x, k=4))
    nb10, ref10 = pair("TopK", 10)
    same(nb10(x, np.array([2]), axis=0), ref10(x, np.array([2]), axis=0))


def test_top_k_delegated():
    nb, ref = pair("TopK", 11)
    x = f32(3, 400)
    for args in [(x.astype(np.float16), np.array([3])), (x, np.array([0])), (x, np.array([300]))]:
        same(nb(*args), ref(*args))
    with pytest.raises(ValueError):
        nb(x, np.array([401]))


# -- NonMaxSuppression --------------------------------------------------------------------------------

def _boxes(b, n, field=50.0):
    c = rng.uniform(0, field, (b, n, 2)).astype(np.float32)
    wh = rng.uniform(5, 30, (b, n, 2)).astype(np.float32)
    return np.concatenate([c, c + wh], -1)


def test_nms_exact():
    nb, ref = pair("NonMaxSuppression", 11)
    for trial in range(40):
        b, n, c = 1 + trial % 2, 1 + (trial * 37) % 200, 1 + trial % 3
        boxes = _boxes(b, n, field=[20.0, 100.0][trial % 2])
        scores = np.round(rng.uniform(0, 1, (b, c, n)) * [5, 1000][trial % 2]).astype(np.float32) / 5
        if trial % 5 == 0:
            scores[..., 0] = np.nan
            boxes[0, 0, 1] = np.nan
        args = (boxes, scores, np.array([1 + trial % 30]), np.array([[0.0, 0.3, 0.5, 1.0][trial % 4]], np.float32),
                None if trial % 3 == 0 else np.array([0.2], np.float32))
        same(nb(*args, center_point_box=trial % 2), ref(*args, center_point_box=trial % 2))


def test_nms_delegated():
    nb, ref = pair("NonMaxSuppression", 11)
    boxes, scores = _boxes(1, 30), rng.uniform(0, 1, (1, 2, 30)).astype(np.float32)
    args = (np.array([5]), np.array([0.5], np.float32))
    same(nb(boxes.astype(np.float64), scores.astype(np.float64), *args),
         ref(boxes.astype(np.float64), scores.astype(np.float64), *args))
    same(nb(boxes, scores), ref(boxes, scores))  # no max_output: empty
    with pytest.raises(ValueError):
        nb(boxes, scores, np.array([5]), np.array([1.5], np.float32))


# -- gathers and scatters -----------------------------------------------------------------------------

DTYPES = [np.float32, np.float64, np.int64, np.int32, np.uint8, np.bool_, np.float16]


def test_gather_elements_exact_and_delegated():
    nb, ref = pair("GatherElements", 13)
    for dt, axis in itertools.product(DTYPES, [0, 1, -1]):
        d = (rng.standard_normal((4, 6, 5)) * 5).astype(dt)
        shape = [4, 6, 5]
        shape[axis] = 7
        i = rng.integers(-d.shape[axis], d.shape[axis], shape).astype([np.int64, np.int32][axis % 2])
        same(nb(d, i, axis=axis), ref(d, i, axis=axis))
    d = f32(4, 6)
    same(nb(d, np.zeros((2, 3), np.int64), axis=1), ref(d, np.zeros((2, 3), np.int64), axis=1))  # window
    same(nb(d.astype(str), np.zeros((4, 2), np.int64), axis=1), ref(d.astype(str), np.zeros((4, 2), np.int64), axis=1))
    with pytest.raises(ValueError):
        nb(d, np.full((4, 2), 6), axis=1)


@pytest.mark.parametrize("reduction", ["none", "add", "mul", "max", "min"])
def test_scatter_elements_exact(reduction):
    nb, ref = pair("ScatterElements", 18)
    for dt, axis in itertools.product(DTYPES, [0, 1]):
        d = (rng.standard_normal((5, 8)) * 5).astype(dt)
        if dt == np.float32:
            d[0, 0] = np.nan
        shape = [5, 8]
        shape[axis] = 12  # repeated indices accumulate
        i = rng.integers(-d.shape[axis], d.shape[axis], shape)
        u = (rng.standard_normal(shape) * 5).astype(dt)
        same(nb(d, i, u, axis=axis, reduction=reduction), ref(d, i, u, axis=axis, reduction=reduction))
    nb11, ref11 = pair("ScatterElements", 11)
    d, i, u = f32(3, 4), rng.integers(0, 4, (3, 2)), f32(3, 2)
    same(nb11(d, i, u, axis=1), ref11(d, i, u, axis=1))
    same(nb(d, i[:2], u[:2], axis=1), ref(d, i[:2], u[:2], axis=1))  # window: delegated
    with pytest.raises(ValueError):
        nb(d, i + 4, u, axis=1, reduction=reduction)
    nb16, _ = pair("ScatterElements", 16)
    if reduction in ("max", "min"):
        with pytest.raises(ValueError):
            nb16(d, i, u, axis=1, reduction=reduction)


def test_gather_nd_exact_and_delegated():
    nb, ref = pair("GatherND", 13)
    for dt in DTYPES:
        d = (rng.standard_normal((2, 5, 6, 3)) * 5).astype(dt)
        for b, m in [(0, 1), (0, 2), (1, 1), (1, 3), (2, 1)]:
            dims = d.shape[b:b + m]
            i = np.stack([rng.integers(-n, n, d.shape[:b] + (4,)) for n in dims], -1)
            same(nb(d, i, batch_dims=b), ref(d, i, batch_dims=b))
    d = f32(3, 4)
    nb11, ref11 = pair("GatherND", 11)
    same(nb11(d, np.array([[1, 2], [0, 3]])), ref11(d, np.array([[1, 2], [0, 3]])))
    same(nb(d, np.zeros((2, 0), np.int64)), ref(d, np.zeros((2, 0), np.int64)))  # empty tuples
    with pytest.raises(ValueError):
        nb(d, np.array([[3, 0]]))


@pytest.mark.parametrize("reduction", ["none", "add", "mul", "max", "min"])
def test_scatter_nd_exact(reduction):
    nb, ref = pair("ScatterND", 18)
    for dt, k in itertools.product(DTYPES, [1, 2, 3]):
        d = (rng.standard_normal((4, 5, 3)) * 5).astype(dt)
        i = np.stack([rng.integers(-n, n, (6, 2)) for n in d.shape[:k]], -1)  # repeats likely
        u = (rng.standard_normal((6, 2) + d.shape[k:]) * 5).astype(dt)
        same(nb(d, i, u, reduction=reduction), ref(d, i, u, reduction=reduction))
    d = f32(4, 5)
    with pytest.raises(ValueError):
        nb(d, np.array([[4]]), f32(1, 5), reduction=reduction)
    nb11, ref11 = pair("ScatterND", 11)
    u = f32(2, 5)
    same(nb11(d, np.array([[1], [3]]), u), ref11(d, np.array([[1], [3]]), u))


# -- sessions against onnxruntime ---------------------------------------------------------------------

def _session_case(op, inputs, attrs, n_out, tmp_path, opset=19, provider=NUMBA, atol=1e-6):
    names = [n for n in inputs]
    node = helper.make_node(op, [n if inputs[n] is not None else "" for n in names],
                            [f"y{j}" for j in range(n_out)], **attrs)
    feeds = {n: v for n, v in inputs.items() if v is not None}
    model = make_model([node], feeds, [f"y{j}" for j in range(n_out)], opset=opset)
    want = run_ort(model, feeds)
    got, where = run_numba(model, feeds, tmp_path)
    assert where.get(op) == {provider}, where
    for g, w in zip(got, want):
        assert g.shape == w.shape and g.dtype == w.dtype
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=atol)


def test_sessions_against_onnxruntime(tmp_path):
    x = f32(1, 4, 6, 5)
    for mode in ["nearest", "linear", "cubic"]:
        _session_case("Resize", {"x": x, "roi": None, "scales": np.array([1, 1, 2, 2], np.float32)},
                      {"mode": mode}, 1, tmp_path, atol=1e-5)
    xt = f32(3, 50)
    _session_case("TopK", {"x": xt, "k": np.array([5])}, {"largest": 0}, 2, tmp_path)
    boxes, scores = _boxes(1, 60), rng.uniform(0, 1, (1, 2, 60)).astype(np.float32)
    _session_case("NonMaxSuppression", {"b": boxes, "s": scores, "m": np.array([10]),
                                        "i": np.array([0.4], np.float32), "t": np.array([0.1], np.float32)}, {}, 1,
                  tmp_path)
    d = f32(4, 6)
    _session_case("GatherElements", {"d": d, "i": rng.integers(0, 6, (4, 3))}, {"axis": 1}, 1, tmp_path)
    _session_case("ScatterElements", {"d": d, "i": rng.integers(0, 6, (4, 3)), "u": f32(4, 3)},
                  {"axis": 1, "reduction": "add"}, 1, tmp_path)
    _session_case("GatherND", {"d": d, "i": rng.integers(0, 4, (5, 1))}, {}, 1, tmp_path)
    _session_case("ScatterND", {"d": d, "i": np.array([[1], [3]]), "u": f32(2, 6)}, {}, 1, tmp_path)
    # a delegated case still runs on the Numba provider's kernel (which calls the NumPy one)
    _session_case("TopK", {"x": xt.astype(np.float64), "k": np.array([5])}, {}, 2, tmp_path)
