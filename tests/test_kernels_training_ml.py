"""ai.onnx.preview.training optimizers (Adagrad, Adam, Momentum: onnxruntime has none, so checked
against the spec's pseudo-code in float64) and the ai.onnx.ml kernels the node suite uses
(LabelEncoder, TreeEnsemble, Binarizer, ArrayFeatureExtractor: against onnxruntime, except where
it departs from the spec or lacks a type, each said where it happens)."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest
from oracle import assert_same, make_model, run_ort, run_refrt
from onnx import TensorProto, helper, numpy_helper

import refrt

ML = "ai.onnx.ml"
TRAINING = "ai.onnx.preview.training"
VERSIONS = {ML: 5, TRAINING: 1}


def model_of(op, inputs, attrs=None, *, domain, version=None, n_outputs=1, opset=21, dynamic=False,
             out_type=TensorProto.FLOAT):
    outs = [f"out{i}" for i in range(n_outputs)]
    node = helper.make_node(op, list(inputs), outs, domain=domain, **(attrs or {}))
    model = make_model([node], inputs, outs, opset=opset, extra_opsets={domain: version or VERSIONS[domain]})
    if dynamic:  # unknown shapes, so that bad ones reach the kernel instead of shape inference
        for vi in list(model.graph.input) + list(model.graph.output):
            vi.type.tensor_type.ClearField("shape")
        for vi in model.graph.output:
            if not vi.type.tensor_type.elem_type:
                vi.CopyFrom(helper.make_tensor_value_info(vi.name, out_type, None))
    return model


def refrt_node(op, inputs, attrs=None, **kw):
    return run_refrt(model_of(op, inputs, attrs, **kw), inputs)


def check_ml(op, inputs, attrs=None, *, version=None, rtol=1e-5, atol=1e-6, **kw):
    model = model_of(op, inputs, attrs, domain=ML, version=version, **kw)
    expected = run_ort(model, inputs)
    got = run_refrt(model, inputs)
    assert_same(expected, got, rtol, atol)
    return got


def tensor(name, values, dtype):
    return numpy_helper.from_array(np.asarray(values, dtype=dtype), name)


# --- Adagrad, Adam, Momentum ----------------------------------------------------------------------

RNG = np.random.default_rng(0)


def variables(kinds: str, n_tensors: int, dtype) -> dict:
    """The variadic tensors as the spec lays them out: X1 X2 ... G1 G2 ... (``kinds`` = "XGH" ...)."""
    shapes = ((3,), (2, 2))
    tensors = {}
    for kind in kinds:
        for i in range(n_tensors):
            values = RNG.standard_normal(shapes[i]).astype(dtype)
            tensors[f"{kind}{i}"] = np.abs(values) if kind == "H" else values  # H accumulates squares
    return tensors


def adagrad_ref(r, t, x, g, h, norm_coefficient, epsilon, decay_factor):
    x, g, h = (np.asarray(a, dtype=np.float64) for a in (x, g, h))
    rate = r / (1 + t * decay_factor)
    g_reg = norm_coefficient * x + g
    h_new = h + g_reg * g_reg
    return x - rate * g_reg / (np.sqrt(h_new) + epsilon), h_new


def adam_ref(r, t, x, g, v, h, alpha, beta, epsilon, norm_coefficient, norm_coefficient_post):
    x, g, v, h = (np.asarray(a, dtype=np.float64) for a in (x, g, v, h))
    g_reg = norm_coefficient * x + g
    v_new = alpha * v + (1 - alpha) * g_reg
    h_new = beta * h + (1 - beta) * g_reg * g_reg
    rate = r * math.sqrt(1 - beta**t) / (1 - alpha**t) if t > 0 else r
    return (1 - norm_coefficient_post) * (x - rate * v_new / (np.sqrt(h_new) + epsilon)), v_new, h_new


def momentum_ref(r, t, x, g, v, alpha, beta, mode, norm_coefficient):
    x, g, v = (np.asarray(a, dtype=np.float64) for a in (x, g, v))
    g_reg = norm_coefficient * x + g
    v_new = alpha * v + (beta if t > 0 else 1.0) * g_reg
    step = g_reg + alpha * v_new if mode == "nesterov" else v_new
    return x - r * step, v_new


def f32(value: float) -> float:
    """An attribute value as ONNX stores it (float32)."""
    return float(np.float32(value))


def check_optimizer(op, kinds, reference, attrs, *, n_tensors, dtype, t):
    tensors = variables(kinds, n_tensors, dtype)
    inputs = {"R": np.array(0.1, dtype=dtype), "T": np.array(t, dtype=np.int64), **tensors}
    got = refrt_node(op, inputs, attrs, domain=TRAINING, n_outputs=(len(kinds) - 1) * n_tensors)
    stored = {k: f32(v) if isinstance(v, float) else v for k, v in attrs.items()}
    per_tensor = [reference(0.1, t, *(tensors[f"{k}{i}"] for k in kinds), **stored) for i in range(n_tensors)]
    expected = [column[i] for column in zip(*per_tensor) for i in range(n_tensors)]  # X_new1 X_new2 H_new1 ...
    assert len(got) == len(expected)
    tol = {"rtol": 1e-5, "atol": 1e-6} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-13}
    for e, g in zip(expected, got):
        assert g.dtype == dtype and g.shape == e.shape
        np.testing.assert_allclose(g, e, **tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_tensors", [1, 2])
@pytest.mark.parametrize("t", [0, 3])
def test_adagrad_follows_the_spec(dtype, n_tensors, t):
    attrs = {"norm_coefficient": 0.001, "epsilon": 1e-5, "decay_factor": 0.1}
    check_optimizer("Adagrad", "XGH", adagrad_ref, attrs, n_tensors=n_tensors, dtype=dtype, t=t)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_tensors", [1, 2])
@pytest.mark.parametrize("t", [0, 5])
def test_adam_follows_the_spec(dtype, n_tensors, t):
    attrs = {"alpha": 0.95, "beta": 0.85, "epsilon": 0.01, "norm_coefficient": 0.001, "norm_coefficient_post": 0.02}
    check_optimizer("Adam", "XGVH", adam_ref, attrs, n_tensors=n_tensors, dtype=dtype, t=t)


def test_adam_defaults_follow_the_spec():
    defaults = {"alpha": 0.9, "beta": 0.999, "epsilon": 1e-6, "norm_coefficient": 0.0, "norm_coefficient_post": 0.0}
    tensors = variables("XGVH", 1, np.float32)
    inputs = {"R": np.array(0.01, dtype=np.float32), "T": np.array(2, dtype=np.int64), **tensors}
    got = refrt_node("Adam", inputs, domain=TRAINING, n_outputs=3)
    expected = adam_ref(0.01, 2, *tensors.values(), **{k: f32(v) for k, v in defaults.items()})
    for e, g in zip(expected, got):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_tensors", [1, 2])
@pytest.mark.parametrize("t", [0, 4])
@pytest.mark.parametrize("mode", ["standard", "nesterov"])
def test_momentum_follows_the_spec(dtype, n_tensors, t, mode):
    attrs = {"alpha": 0.95, "beta": 0.85, "mode": mode, "norm_coefficient": 0.01}
    check_optimizer("Momentum", "XGV", momentum_ref, attrs, n_tensors=n_tensors, dtype=dtype, t=t)


def test_optimizers_reject_bad_inputs():
    base = {"R": np.array(0.1, np.float32), "T": np.array(0, np.int64)}
    x = np.ones(3, np.float32)
    with pytest.raises(refrt.errors.Fail, match="3 per tensor"):
        refrt_node("Adagrad", {**base, "X": x, "G": x}, domain=TRAINING, n_outputs=1, dynamic=True)
    with pytest.raises(refrt.errors.Fail, match="G has shape"):
        refrt_node("Adagrad", {**base, "X": x, "G": np.ones(2, np.float32), "H": x}, domain=TRAINING, n_outputs=2,
                   dynamic=True)
    with pytest.raises(refrt.errors.Fail, match="R must be a scalar"):
        refrt_node("Adagrad", {**base, "R": np.ones(2, np.float32), "X": x, "G": x, "H": x}, domain=TRAINING,
                   n_outputs=2, dynamic=True)
    attrs = {"alpha": 0.9, "beta": 0.1, "mode": "heavy-ball", "norm_coefficient": 0.0}
    with pytest.raises(refrt.errors.Fail, match="mode must be"):
        refrt_node("Momentum", {**base, "X": x, "G": x, "V": x}, attrs, domain=TRAINING, n_outputs=2)


# --- Binarizer ------------------------------------------------------------------------------------


@pytest.mark.parametrize("threshold", [0.0, 1.0, -0.5])
def test_binarizer_matches_onnxruntime(threshold):
    x = RNG.standard_normal((3, 4, 5)).astype(np.float32)
    x[0, 0, :2] = threshold  # equal to the threshold: 0
    check_ml("Binarizer", {"X": x}, {"threshold": threshold}, version=1)


@pytest.mark.parametrize("dtype", [np.float64, np.int32, np.int64])
def test_binarizer_other_types(dtype):
    # onnxruntime implements float only; the spec allows double, int32 and int64
    x = np.array([[-2, 0, 1], [2, 3, 1.5]]).astype(dtype)
    (got,) = refrt_node("Binarizer", {"X": x}, {"threshold": 1.5}, domain=ML, version=1)
    np.testing.assert_array_equal(got, np.array([[0, 0, 0], [1, 1, 0]], dtype=dtype))
    assert got.dtype == dtype


def test_binarizer_rejects_nan_like_onnxruntime():
    with pytest.raises(refrt.errors.Fail, match="NaN"):
        refrt_node("Binarizer", {"X": np.array([0.5, np.nan], np.float32)}, domain=ML, version=1)


# --- ArrayFeatureExtractor ------------------------------------------------------------------------

X34 = np.arange(12, dtype=np.float32).reshape(3, 4)


@pytest.mark.parametrize(
    "x, y",
    [
        (X34, [0, 1]),
        (X34, [3]),
        (X34, [[1], [0]]),
        (X34, [[3, 0, 3]]),
        (np.arange(5, dtype=np.float64), [4, 0]),  # 1-D: output [1, n]
        (np.arange(24, dtype=np.int64).reshape(2, 3, 4), [2, 0]),
        (np.arange(6, dtype=np.int32).reshape(3, 2), [1]),
        (np.array([["a", "b", "c"], ["d", "e", "f"]], dtype=object), [2, 2, 0]),
    ],
)
def test_array_feature_extractor_matches_onnxruntime(x, y):
    check_ml("ArrayFeatureExtractor", {"X": x, "Y": np.array(y, dtype=np.int64)}, version=1)


@pytest.mark.parametrize("y, message", [([4], r"outside \[0, 4\)"), ([-1], "outside"), ([], "no index")])
def test_array_feature_extractor_rejects_bad_indices(y, message):
    with pytest.raises(refrt.errors.Fail, match=message):
        refrt_node("ArrayFeatureExtractor", {"X": X34, "Y": np.array(y, dtype=np.int64)}, domain=ML, version=1)


# --- LabelEncoder ---------------------------------------------------------------------------------

NAMES = np.array(["a", "b", "d", "c", "g", "a"], dtype=object)


@pytest.mark.parametrize(
    "x, attrs",
    [
        (NAMES, {"classes_strings": ["a", "b", "c"], "default_int64": 42}),
        (NAMES.reshape(2, 3), {"classes_strings": ["a", "b", "c"]}),
        (NAMES, {"classes_strings": ["a", "b", "a"]}),  # repeated: the last index
        (np.array([0, 2, 5, -1], dtype=np.int64), {"classes_strings": ["a", "b", "c"], "default_string": "?"}),
        (np.array([[0, 2], [5, 1]], dtype=np.int64), {"classes_strings": ["a", "b", "c"]}),
    ],
)
def test_label_encoder_1_matches_onnxruntime(x, attrs):
    check_ml("LabelEncoder", {"X": x}, attrs, version=1)


@pytest.mark.parametrize("version", [2, 4])
@pytest.mark.parametrize(
    "x, attrs",
    [
        (NAMES, {"keys_strings": ["a", "b", "c"], "values_int64s": [0, 1, 2], "default_int64": 42}),
        (NAMES, {"keys_strings": ["a", "b", "c"], "values_int64s": [0, 1, 2]}),
        (NAMES, {"keys_strings": ["a", "c"], "values_floats": [0.5, 1.5]}),
        (NAMES, {"keys_strings": ["a", "c"], "values_strings": ["x", "y"], "default_string": "?"}),
        (NAMES.reshape(3, 2), {"keys_strings": ["a", "c"], "values_strings": ["x", "y"]}),
        (np.array([1, 7, -3, 7], np.int64), {"keys_int64s": [7, 1], "values_strings": ["seven", "one"]}),
        (np.array([1, 7, -3, 7], np.int64), {"keys_int64s": [7, 1], "values_floats": [7.5, 1.5], "default_float": 9.0}),
        (np.array([1.5, 7.0, -3.0, 0.0], np.float32), {"keys_floats": [7.0, 1.5, -0.0], "values_int64s": [7, 1, 0]}),
        (np.array([[1.5, 7.0], [2.0, 0.0]], np.float32), {"keys_floats": [7.0, 1.5], "values_floats": [0.7, 0.15]}),
        (np.array([], np.int64), {"keys_int64s": [1], "values_int64s": [2]}),
    ],
)
def test_label_encoder_2_and_4_match_onnxruntime(version, x, attrs):
    check_ml("LabelEncoder", {"X": x}, attrs, version=version)


@pytest.mark.parametrize(
    "attrs",
    [
        {"keys_tensor": tensor("keys_tensor", ["a", "b", "c"], object), "values_tensor": tensor("values_tensor", [0, 1, 2], np.int16),
         "default_tensor": tensor("default_tensor", [42], np.int16)},
        {"keys_strings": ["a", "b", "c"], "values_tensor": tensor("values_tensor", [0, 1, 2], np.int16),
         "default_tensor": tensor("default_tensor", [42], np.int16)},
        {"keys_tensor": tensor("keys_tensor", ["a", "c"], object), "values_tensor": tensor("values_tensor", ["x", "y"], object),
         "default_tensor": tensor("default_tensor", ["-"], object)},
    ],
)
def test_label_encoder_4_tensor_attributes_match_onnxruntime(attrs):
    check_ml("LabelEncoder", {"X": NAMES}, attrs, version=4)


@pytest.mark.parametrize(
    "x, keys, values, expected",
    [
        # types onnxruntime does not implement for LabelEncoder-4; defaults by type: -1, -0.0, "_Unused"
        (np.array([1, 2, 3], np.int32), ([1, 2], np.int32), ([0.5, 0.25], np.float64), np.array([0.5, 0.25, -0.0])),
        (np.array([1, 2, 3], np.int16), ([1, 2], np.int16), (["x", "y"], object), np.array(["x", "y", "_Unused"], object)),
        (np.array([1.5, 2.0, 3.0], np.float64), ([1.5, 2.0], np.float64), ([4, 5], np.int16), np.array([4, 5, -1], np.int16)),
        (np.array([1.5, 2.0, 3.0], np.float64), ([1.5, 2.0], np.float64), ([4, 5], np.int32), np.array([4, 5, -1], np.int32)),
    ],
)
def test_label_encoder_4_other_types(x, keys, values, expected):
    attrs = {"keys_tensor": tensor("keys_tensor", *keys), "values_tensor": tensor("values_tensor", *values)}
    (got,) = refrt_node("LabelEncoder", {"X": x}, attrs, domain=ML, version=4)
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)
    if expected.dtype.kind == "f":
        assert np.signbit(got[-1])  # the default is -0.0


def test_label_encoder_repeated_keys_and_nan():
    x = np.array([1.0, np.nan, 2.0, -0.0, 0.0], dtype=np.float32)
    attrs = {"keys_floats": [1.0, 1.0, float("nan"), 0.0], "values_int64s": [10, 11, 12, 13]}
    # Revision 4's spec: the last of repeated keys wins and a NaN key matches any NaN
    # (onnxruntime keeps the first key: [10, 12, -1, 13, 13]).
    (got,) = refrt_node("LabelEncoder", {"X": x}, attrs, domain=ML, version=4)
    np.testing.assert_array_equal(got, [11, 12, -1, 13, 13])
    # Revision 2 keeps the first key as onnxruntime does; NaN matches NaN as the spec's "bit-wise
    # comparison" allows (onnxruntime matches no NaN there: [10, -1, -1, 13, 13]).
    (got,) = refrt_node("LabelEncoder", {"X": x}, attrs, domain=ML, version=2)
    np.testing.assert_array_equal(got, [10, 12, -1, 13, 13])
    strings = {"keys_strings": ["a", "b", "a"], "values_int64s": [1, 2, 3]}
    (got4,) = refrt_node("LabelEncoder", {"X": NAMES}, strings, domain=ML, version=4)
    (got2,) = refrt_node("LabelEncoder", {"X": NAMES}, strings, domain=ML, version=2)
    np.testing.assert_array_equal(got4, [3, 2, -1, -1, -1, 3])
    np.testing.assert_array_equal(got2, [1, 2, -1, -1, -1, 1])


def test_label_encoder_rejects_bad_tables():
    with pytest.raises(refrt.errors.Fail, match="2 keys but 1 values"):
        refrt_node("LabelEncoder", {"X": NAMES}, {"keys_strings": ["a", "b"], "values_int64s": [1]}, domain=ML, version=2,
                   dynamic=True, out_type=TensorProto.INT64)
    with pytest.raises(refrt.errors.Fail, match="(?i)only one of"):  # shape inference may see it first
        refrt_node("LabelEncoder", {"X": NAMES}, {"keys_strings": ["a"], "values_int64s": [1], "values_floats": [1.0]},
                   domain=ML, version=2, dynamic=True, out_type=TensorProto.INT64)


# --- TreeEnsemble ---------------------------------------------------------------------------------


def tree_attrs(nodes, leaves, roots, *, n_targets, dtype=np.float32, **extra):
    """TreeEnsemble attributes from node tuples (feature, mode, split, true, true_is_leaf, false,
    false_is_leaf) and leaf tuples (target, weight)."""
    f, m, s, t, tl, fa, fl = zip(*nodes) if nodes else ([],) * 7
    targets, weights = zip(*leaves)
    attrs = dict(
        nodes_featureids=list(f), nodes_modes=tensor("nodes_modes", m, np.uint8), nodes_splits=tensor("nodes_splits", s, dtype),
        nodes_truenodeids=list(t), nodes_trueleafs=list(tl), nodes_falsenodeids=list(fa), nodes_falseleafs=list(fl),
        leaf_targetids=list(targets), leaf_weights=tensor("leaf_weights", weights, dtype), tree_roots=list(roots),
        n_targets=n_targets,
    )
    attrs.update(extra)
    return attrs


# Tree 0: x0 <= 3.14 ? (x0 <= 1.2 ? leaf0 : leaf1... ) as in the suite; tree 1: a single leaf.
SUITE_NODES = [(0, 0, 3.14, 1, 0, 2, 0), (0, 0, 1.2, 0, 1, 2, 1), (0, 0, 4.2, 1, 1, 3, 1), (1, 3, 0.0, 4, 1, 4, 1)]
SUITE_LEAVES = [(0, 5.23), (1, 12.12), (0, -12.23), (1, 7.21), (2, 2.5)]
X_TREES = np.array([[1.2, 3.4], [-0.12, 1.66], [4.14, 1.77], [np.nan, 0.0], [3.14, -1.0], [100.0, 2.0]], dtype=np.float32)


def check_tree(x, attrs, *, rtol=1e-5, atol=1e-6):
    return check_ml("TreeEnsemble", {"X": x}, attrs, version=5, rtol=rtol, atol=atol)


@pytest.mark.parametrize("aggregate", [0, 1, 2, 3])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_tree_ensemble_aggregates_like_onnxruntime(aggregate, dtype):
    attrs = tree_attrs(SUITE_NODES, SUITE_LEAVES, [0, 3], n_targets=4, dtype=dtype, aggregate_function=aggregate)
    check_tree(X_TREES.astype(dtype), attrs)  # target 3 is never reached: 0 for every aggregate


def test_tree_ensemble_missing_values_follow_the_true_branch_where_asked():
    attrs = tree_attrs(SUITE_NODES, SUITE_LEAVES, [0, 3], n_targets=3, nodes_missing_value_tracks_true=[1, 0, 1, 0])
    check_tree(X_TREES, attrs)


@pytest.mark.parametrize("mode", [0, 1, 2, 3, 4, 5])
def test_tree_ensemble_each_comparison_matches_onnxruntime(mode):
    nodes = [(0, mode, 1.0, 1, 0, 1, 1), (1, mode, -0.5, 0, 1, 2, 1)]
    leaves = [(0, 1.0), (1, 10.0), (1, 100.0)]
    x = np.array([[1.0, -0.5], [0.5, 0.0], [2.0, -1.0], [np.nan, np.nan], [1.0, 3.0]], dtype=np.float32)
    check_tree(x, tree_attrs(nodes, leaves, [0], n_targets=2))


def test_tree_ensemble_set_membership_matches_onnxruntime():
    # the suite's case: node 1 tests {1.2, 3.7, 8, 9}, node 2 tests {12, 7}
    nodes = [(0, 0, 11.0, 1, 0, 0, 1), (0, 6, 232344.0, 0, 1, 2, 0), (0, 6, np.nan, 2, 1, 3, 1)]
    leaves = [(0, 1.0), (1, 10.0), (2, 1000.0), (3, 100.0)]
    members = tensor("membership_values", [1.2, 3.7, 8, 9, np.nan, 12, 7, np.nan], np.float32)
    x = np.array([[1.2], [3.4], [-0.12], [np.nan], [12.0], [7.0], [8.0], [9.5]], dtype=np.float32)
    check_tree(x, tree_attrs(nodes, leaves, [0], n_targets=4, membership_values=members))


def test_tree_ensemble_post_transforms():
    x = X_TREES[:, :1].copy()
    nodes = [(0, 0, 1.0, 0, 1, 1, 1)]
    leaves = [(0, 0.4), (1, -0.9), (0, 0.0), (1, 0.0)]
    base = tree_attrs(nodes, leaves[:2], [0], n_targets=2)
    check_tree(x, base)
    check_tree(x, dict(base, post_transform=3))  # SOFTMAX_ZERO
    (raw,) = refrt_node("TreeEnsemble", {"X": x}, base, domain=ML)
    raw = raw.astype(np.float64)
    # onnxruntime swaps SOFTMAX (1) and LOGISTIC (2): ask it with the other code
    expected = {
        1: run_ort(model_of("TreeEnsemble", {"X": x}, dict(base, post_transform=2), domain=ML), {"X": x})[0],
        2: run_ort(model_of("TreeEnsemble", {"X": x}, dict(base, post_transform=1), domain=ML), {"X": x})[0],
    }
    np.testing.assert_allclose(expected[1], np.exp(raw) / np.exp(raw).sum(axis=1, keepdims=True), rtol=1e-6)
    np.testing.assert_allclose(expected[2], 1 / (1 + np.exp(-raw)), rtol=1e-6)
    for code, want in expected.items():
        (got,) = refrt_node("TreeEnsemble", {"X": x}, dict(base, post_transform=code), domain=ML)
        np.testing.assert_allclose(got, want, rtol=1e-6)
    # PROBIT: the exact inverse normal CDF (onnxruntime's approximation is off in the third digit)
    probs = tree_attrs(nodes, [(0, 0.2), (1, 0.975)], [0], n_targets=2, post_transform=4)
    (got,) = refrt_node("TreeEnsemble", {"X": x}, probs, domain=ML)
    inv = statistics.NormalDist().inv_cdf
    np.testing.assert_allclose(got[0], [-np.inf, inv(np.float32(0.975))], rtol=1e-6)
    np.testing.assert_allclose(got[1], [inv(np.float32(0.2)), -np.inf], rtol=1e-6)


def test_tree_ensemble_transforms_a_single_target_too():
    # onnxruntime applies no SOFTMAX/LOGISTIC to a single target; the spec makes no exception
    x = np.array([[0.0], [2.0]], dtype=np.float32)
    attrs = tree_attrs([(0, 0, 1.0, 0, 1, 1, 1)], [(0, 0.5), (0, -2.0)], [0], n_targets=1)
    (soft,) = refrt_node("TreeEnsemble", {"X": x}, dict(attrs, post_transform=1), domain=ML)
    (logistic,) = refrt_node("TreeEnsemble", {"X": x}, dict(attrs, post_transform=2), domain=ML)
    np.testing.assert_allclose(soft, [[1.0], [1.0]])
    np.testing.assert_allclose(logistic, 1 / (1 + np.exp(-np.array([[0.5], [-2.0]]))), rtol=1e-6)


def random_forest(rng, n_trees, n_features, n_targets, max_depth):
    nodes, leaves, roots = [], [], []

    def grow(depth):
        """Adds a subtree; returns (id, is_leaf)."""
        if depth == max_depth or (depth > 0 and rng.random() < 0.25):
            leaves.append((int(rng.integers(n_targets)), float(rng.normal())))
            return len(leaves) - 1, 1
        index = len(nodes)
        nodes.append(None)
        true, true_leaf = grow(depth + 1)
        false, false_leaf = grow(depth + 1)
        nodes[index] = (int(rng.integers(n_features)), int(rng.integers(6)), float(rng.normal()), true, true_leaf, false, false_leaf)
        return index, 0

    for _ in range(n_trees):
        roots.append(len(nodes))
        grow(0)
    return nodes, leaves, roots


@pytest.mark.parametrize("aggregate", [0, 1, 2, 3])
def test_tree_ensemble_random_forest_matches_onnxruntime(aggregate):
    rng = np.random.default_rng(aggregate)
    nodes, leaves, roots = random_forest(rng, n_trees=25, n_features=6, n_targets=3, max_depth=7)
    x = rng.normal(size=(200, 6)).astype(np.float32)
    x[rng.random(x.shape) < 0.05] = np.nan
    x[rng.random(x.shape) < 0.05] = 0.0
    missing = rng.integers(0, 2, len(nodes)).tolist()
    attrs = tree_attrs(nodes, leaves, roots, n_targets=3, aggregate_function=aggregate, nodes_missing_value_tracks_true=missing)
    check_tree(x, attrs, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"tree_roots": [9]}, "tree_roots holds an id outside"),
        ({"nodes_featureids": [0, 0, 0, 5]}, "nodes_featureids holds an id outside"),
        ({"leaf_targetids": [0, 1, 0, 1, 7]}, "leaf_targetids holds an id outside"),
        ({"nodes_modes": tensor("nodes_modes", [0, 6, 0, 0], np.uint8)}, "membership_values"),
        ({"aggregate_function": 7}, "aggregate_function"),
        ({"nodes_truenodeids": [0, 0, 1, 4]}, "cycle"),
    ],
)
def test_tree_ensemble_rejects_bad_trees(change, message):
    attrs = tree_attrs(SUITE_NODES, SUITE_LEAVES, [0, 3], n_targets=3)
    attrs.update(change)
    with pytest.raises(refrt.errors.Fail, match=message):
        refrt_node("TreeEnsemble", {"X": X_TREES}, attrs, domain=ML, dynamic=True)


def test_tree_ensemble_float16():
    # onnxruntime has no float16 TreeEnsemble here; compare with the float32 result
    attrs32 = tree_attrs(SUITE_NODES, SUITE_LEAVES, [0, 3], n_targets=3)
    attrs16 = tree_attrs(SUITE_NODES, SUITE_LEAVES, [0, 3], n_targets=3, dtype=np.float16)
    x = np.array([[1.0, 3.0], [4.5, -1.0], [2.0, 1.0]], dtype=np.float16)
    (got,) = refrt_node("TreeEnsemble", {"X": x}, attrs16, domain=ML)
    (ref,) = refrt_node("TreeEnsemble", {"X": x.astype(np.float32)}, attrs32, domain=ML)
    assert got.dtype == np.float16
    np.testing.assert_allclose(got.astype(np.float32), ref, rtol=1e-3)
