"""TreeEnsembleClassifier and TreeEnsembleRegressor (ai.onnx.ml revisions 1 and 3) against
onnxruntime: every branch mode, missing-value tracking, aggregate function, base values, post
transform, the classifier's binary special cases, input types; then skl2onnx conversions of
scikit-learn's tree models against onnxruntime and scikit-learn."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from oracle import assert_same, run_ort, run_refrt

import refrt

ML = "ai.onnx.ml"
MODES = ["BRANCH_LEQ", "BRANCH_LT", "BRANCH_GTE", "BRANCH_GT", "BRANCH_EQ", "BRANCH_NEQ"]
TRANSFORMS = ["NONE", "LOGISTIC", "SOFTMAX", "SOFTMAX_ZERO", "PROBIT"]
RTOL, ATOL = 1e-5, 1e-6


def model_of(op, attrs, x, *, version=3, n_outputs=None, label_type=TensorProto.INT64):
    """A one-node model of ``op`` at ai.onnx.ml ``version`` for input ``x``."""
    elem = helper.np_dtype_to_tensor_dtype(x.dtype)
    if op == "TreeEnsembleClassifier":
        outs = [helper.make_tensor_value_info("Y", label_type, None),
                helper.make_tensor_value_info("Z", TensorProto.FLOAT, None)]
    else:
        outs = [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)]
    node = helper.make_node(op, ["X"], [o.name for o in outs], domain=ML, **attrs)
    graph = helper.make_graph([node], "trees", [helper.make_tensor_value_info("X", elem, None)], outs)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid(ML, version)])
    model.ir_version = 8
    return model


def check(op, attrs, x, *, version=3, columns=None, **kw):
    """refrt agrees with onnxruntime (labels exactly, scores within RTOL/ATOL); returns refrt's outputs.
    ``columns``: compare only these score columns (onnxruntime leaves the others unwritten)."""
    model = model_of(op, attrs, x, version=version, **kw)
    expected = run_ort(model, {"X": x})
    got = run_refrt(model, {"X": x})
    if columns is not None:
        expected[-1], got[-1] = expected[-1][:, columns], got[-1][:, columns]
    assert_same(expected, got, RTOL, ATOL)
    return got


def nodes_attrs(nodes):
    """Node attributes from tuples (tree, node, feature, mode, value, true, false, missing)."""
    t, n, f, m, v, tr, fa, mi = zip(*nodes)
    return dict(nodes_treeids=list(t), nodes_nodeids=list(n), nodes_featureids=list(f), nodes_modes=list(m),
                nodes_values=[float(a) for a in v], nodes_truenodeids=list(tr), nodes_falsenodeids=list(fa),
                nodes_missing_value_tracks_true=list(mi))


def weights_attrs(prefix, weights):
    """Weight attributes (target_* or class_*) from tuples (tree, node, id, weight)."""
    t, n, i, w = zip(*weights)
    return {f"{prefix}_treeids": list(t), f"{prefix}_nodeids": list(n), f"{prefix}_ids": list(i),
            f"{prefix}_weights": [float(a) for a in w]}


def leaf(tree, node):
    return (tree, node, 0, "LEAF", 0.0, 0, 0, 0)


# Two trees over 2 features: tree 0 splits twice, tree 1 once (its nodes listed out of order).
FOREST = [
    (0, 0, 0, "BRANCH_LEQ", 0.5, 1, 2, 0), (0, 1, 1, "BRANCH_LEQ", -1.0, 3, 4, 0), leaf(0, 2), leaf(0, 3), leaf(0, 4),
    leaf(1, 2), (1, 0, 1, "BRANCH_LEQ", 0.25, 1, 2, 0), leaf(1, 1),
]
X2 = np.array([[0.0, -2.0], [0.5, -1.0], [0.6, 0.0], [-3.0, 0.25], [np.nan, 1.0], [1.0, np.nan], [0.5, 0.3]],
              dtype=np.float32)


def regression_weights(n_targets):
    rng = np.random.default_rng(n_targets)
    leaves = [(0, 2), (0, 3), (0, 4), (1, 1), (1, 2)]
    return [(t, n, k, float(np.round(rng.normal(), 3))) for t, n in leaves for k in range(n_targets)]


# --- node level: modes, missing values, aggregates, transforms (regressor) ----------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("missing", [0, 1])
def test_each_branch_mode_and_missing_tracking(mode, missing):
    nodes = [(0, 0, 0, mode, 1.0, 1, 2, missing), (0, 1, 1, mode, -0.5, 3, 4, 1 - missing),
             leaf(0, 2), leaf(0, 3), leaf(0, 4)]
    weights = [(0, 2, 0, 1.0), (0, 3, 0, 10.0), (0, 4, 0, 100.0)]
    x = np.array([[1.0, -0.5], [0.5, 0.0], [2.0, -1.0], [np.nan, np.nan], [1.0, np.nan], [np.nan, -0.5],
                  [np.inf, -np.inf], [-np.inf, np.inf]], dtype=np.float32)
    attrs = dict(nodes_attrs(nodes), **weights_attrs("target", weights), n_targets=1)
    check("TreeEnsembleRegressor", attrs, x)
    check("TreeEnsembleRegressor", attrs, x.astype(np.float64), version=1)


@pytest.mark.parametrize("split", [-np.inf, np.inf, 0.0])
def test_infinite_splits_and_values(split):
    # "x < -inf" has no "x <= s" form: such forests take the general comparison
    nodes = [(0, 0, 0, "BRANCH_LT", split, 1, 2, 0), (0, 1, 0, "BRANCH_GTE", split, 3, 4, 1),
             (0, 2, 0, "BRANCH_GT", split, 5, 6, 0), leaf(0, 3), leaf(0, 4), leaf(0, 5), leaf(0, 6)]
    weights = [(0, 3, 0, 1.0), (0, 4, 0, 10.0), (0, 5, 0, 100.0), (0, 6, 0, 1000.0)]
    x = np.array([[-np.inf], [np.inf], [0.0], [np.nan], [-1.0], [1.0]], dtype=np.float32)
    check("TreeEnsembleRegressor", dict(nodes_attrs(nodes), **weights_attrs("target", weights), n_targets=1), x)


def test_mixed_modes_in_one_forest():
    rng = np.random.default_rng(7)
    nodes, weights = random_trees(rng, n_trees=6, n_features=3, depth=5, modes=MODES, n_targets=2)
    x = rng.choice(np.array([-1.0, -0.5, 0.0, 0.5, 1.0, np.nan], dtype=np.float32), size=(300, 3))
    attrs = dict(nodes_attrs(nodes), **weights_attrs("target", weights), n_targets=2)
    check("TreeEnsembleRegressor", attrs, x)


def test_nan_split_with_missing_tracking():
    # a NaN threshold: no real x passes, a NaN x goes where missing tracking says
    nodes = [(0, 0, 0, "BRANCH_LEQ", np.nan, 1, 2, 1), leaf(0, 1), leaf(0, 2),
             (1, 0, 0, "BRANCH_NEQ", np.nan, 1, 2, 0), leaf(1, 1), leaf(1, 2)]
    weights = [(0, 1, 0, 1.0), (0, 2, 0, 2.0), (1, 1, 0, 10.0), (1, 2, 0, 20.0)]
    x = np.array([[0.0], [np.nan], [5.0]], dtype=np.float32)
    check("TreeEnsembleRegressor", dict(nodes_attrs(nodes), **weights_attrs("target", weights), n_targets=1), x)


@pytest.mark.parametrize("aggregate", ["SUM", "AVERAGE", "MIN", "MAX"])
@pytest.mark.parametrize("n_targets", [1, 3])
@pytest.mark.parametrize("base", [False, True])
def test_aggregates_and_base_values(aggregate, n_targets, base):
    attrs = dict(nodes_attrs(FOREST), **weights_attrs("target", regression_weights(n_targets)), n_targets=n_targets,
                 aggregate_function=aggregate)
    if base:
        attrs["base_values"] = [0.5, -1.0, 2.0][:n_targets]
    check("TreeEnsembleRegressor", attrs, X2)
    check("TreeEnsembleRegressor", attrs, X2, version=1)


@pytest.mark.parametrize("aggregate", ["SUM", "AVERAGE", "MIN", "MAX"])
def test_a_target_no_leaf_reaches_is_zero_even_with_a_base_value(aggregate):
    weights = [(0, 2, 0, 1.0), (0, 3, 0, 2.0), (0, 4, 2, 3.0), (1, 1, 0, 4.0), (1, 2, 2, -5.0)]
    attrs = dict(nodes_attrs(FOREST), **weights_attrs("target", weights), n_targets=3, aggregate_function=aggregate,
                 base_values=[1.0, 2.0, 3.0])
    got = check("TreeEnsembleRegressor", attrs, X2)
    assert (got[0][:, 1] == 0).all()


@pytest.mark.parametrize("transform", TRANSFORMS)
@pytest.mark.parametrize("n_targets", [1, 3])
def test_post_transforms(transform, n_targets):
    weights = [(t, n, k, w / 4) for t, n, k, w in regression_weights(n_targets)]
    attrs = dict(nodes_attrs(FOREST), **weights_attrs("target", weights), n_targets=n_targets, post_transform=transform)
    if transform == "PROBIT":  # probit needs (0, 1)
        attrs["target_weights"] = [0.1 + 0.4 * abs(w) / (1 + abs(w)) for w in attrs["target_weights"]]
    check("TreeEnsembleRegressor", attrs, X2)


def test_single_target_takes_a_leafs_first_weight_or_its_node_value():
    # leaf (0, 3) has two weights (only the first counts), leaf (1, 2) none (its node value counts)
    nodes = [n if n[:2] != (1, 2) else (1, 2, 0, "LEAF", 7.5, 0, 0, 0) for n in FOREST]
    weights = [(0, 2, 0, 1.0), (0, 3, 0, 2.0), (0, 4, 0, 3.0), (1, 1, 0, 4.0), (0, 3, 0, 100.0)]
    attrs = dict(nodes_attrs(nodes), **weights_attrs("target", weights), n_targets=1)
    check("TreeEnsembleRegressor", attrs, X2)


def test_weights_on_branch_nodes_are_ignored():
    weights = regression_weights(2) + [(0, 0, 1, 1000.0), (0, 1, 0, -1000.0)]
    check("TreeEnsembleRegressor", dict(nodes_attrs(FOREST), **weights_attrs("target", weights), n_targets=2), X2)


def test_a_tree_listed_in_pieces_counts_as_several_trees():
    # onnxruntime starts a tree wherever nodes_treeids changes: here 4 "trees" for AVERAGE
    nodes = [(0, 0, 0, "BRANCH_LEQ", 0.5, 1, 2, 0), leaf(1, 0), leaf(0, 1), leaf(0, 2), leaf(1, 1)]
    weights = [(0, 1, 0, 3.0), (0, 2, 0, 4.0), (1, 0, 0, 10.0), (1, 1, 0, 100.0)]
    attrs = dict(nodes_attrs(nodes), **weights_attrs("target", weights), n_targets=1, aggregate_function="AVERAGE")
    got = check("TreeEnsembleRegressor", attrs, np.array([[0.0], [1.0]], dtype=np.float32))
    np.testing.assert_allclose(got[0][:, 0], [29.0, 29.25])


def test_one_row_as_1d_input_and_no_rows():
    attrs = dict(nodes_attrs(FOREST), **weights_attrs("target", regression_weights(2)), n_targets=2)
    check("TreeEnsembleRegressor", attrs, np.zeros((0, 2), dtype=np.float32))
    # onnxruntime reads a 1-D X as one row but checks feature ids against ONE feature
    one_row = np.array([0.7, -0.2], dtype=np.float32)
    with pytest.raises(Exception, match="feature 1"):
        run_ort(model_of("TreeEnsembleRegressor", attrs, one_row), {"X": one_row})
    with pytest.raises(refrt.errors.Fail, match="feature 1"):
        run_refrt(model_of("TreeEnsembleRegressor", attrs, one_row), {"X": one_row})
    nodes = [(0, 0, 0, "BRANCH_LEQ", 0.5, 1, 2, 0), leaf(0, 1), leaf(0, 2)]
    single = dict(nodes_attrs(nodes), **weights_attrs("target", [(0, 1, 0, 1.0), (0, 2, 1, 2.0)]), n_targets=2)
    check("TreeEnsembleRegressor", single, one_row)


# --- revision 3: double attributes -------------------------------------------------------------


def as_tensors(attrs, weights_name):
    """The same attributes with nodes_values, the weights and base_values as double tensors."""
    out = dict(attrs)
    for name in ("nodes_values", weights_name, "base_values", "nodes_hitrates"):
        if name in out:
            out[f"{name}_as_tensor"] = numpy_helper.from_array(np.asarray(out.pop(name), dtype=np.float64), name)
    return out


def test_regressor_double_attributes():
    rng = np.random.default_rng(3)
    # thresholds and weights only a double can tell apart from their float neighbours
    nodes = [(0, 0, 0, "BRANCH_LEQ", 0.1, 1, 2, 0), leaf(0, 1), leaf(0, 2)]
    weights = [(0, 1, 0, 1.0 + 1e-12), (0, 2, 0, 1.0 + 3e-12), (0, 1, 1, 0.1), (0, 2, 1, 0.2)]
    attrs = dict(nodes_attrs(nodes), **weights_attrs("target", weights), n_targets=2, base_values=[1e-13, 0.0],
                 nodes_hitrates=[1.0, 1.0, 1.0])
    attrs = as_tensors(attrs, "target_weights")
    attrs["nodes_values_as_tensor"] = numpy_helper.from_array(np.array([0.1, 0.0, 0.0]), "v")
    x = np.array([[0.1], [np.nextafter(0.1, 1.0)], [0.09999999999]], dtype=np.float64)
    got = check("TreeEnsembleRegressor", attrs, x)
    assert got[0][0, 0] == np.float32(1.0 + 1e-12 + 1e-13) and got[0][1, 1] == np.float32(0.2)
    bigger = dict(nodes_attrs(FOREST), **weights_attrs("target", regression_weights(3)), n_targets=3)
    check("TreeEnsembleRegressor", as_tensors(bigger, "target_weights"), rng.normal(size=(50, 2)))


@pytest.mark.parametrize("op, prefix", [("TreeEnsembleRegressor", "target"), ("TreeEnsembleClassifier", "class")])
def test_double_attributes_need_a_double_input(op, prefix):
    weights = [(0, 2, 0, 1.0), (0, 3, 1, 1.0), (0, 4, 2, 1.0), (1, 1, 0, 1.0), (1, 2, 1, 1.0)]
    attrs = dict(nodes_attrs(FOREST), **weights_attrs(prefix, weights))
    attrs.update(n_targets=3) if prefix == "target" else attrs.update(classlabels_int64s=[1, 2, 3])
    model = model_of(op, as_tensors(attrs, f"{prefix}_weights"), X2)
    with pytest.raises(Exception):
        run_ort(model, {"X": X2})
    with pytest.raises(refrt.errors.Fail, match="double"):
        run_refrt(model, {"X": X2})


# --- input types ---------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.int64, np.int32])
def test_classifier_input_types(dtype):
    # 16777217 is no float: an integer X is compared as float, as onnxruntime does
    nodes = [(0, 0, 0, "BRANCH_LEQ", 16777217.0, 1, 2, 0), leaf(0, 1), leaf(0, 2)]
    weights = [(0, 1, 0, 0.3), (0, 2, 1, 0.8)]
    attrs = dict(nodes_attrs(nodes), **weights_attrs("class", weights), classlabels_int64s=[5, 7, 9])
    x = np.array([[16777216], [16777217], [16777218], [16777219], [-3]]).astype(dtype)
    check("TreeEnsembleClassifier", attrs, x)


@pytest.mark.parametrize("dtype", [np.int64, np.int32])
def test_regressor_integer_input_is_compared_as_float(dtype):
    # onnxruntime has no integer TreeEnsembleRegressor: compare with its float result
    attrs = dict(nodes_attrs(FOREST), **weights_attrs("target", regression_weights(2)), n_targets=2)
    x = np.array([[0, -2], [1, -1], [0, 0], [-3, 1], [16777217, 3]])
    expected = run_ort(model_of("TreeEnsembleRegressor", attrs, x.astype(np.float32)), {"X": x.astype(np.float32)})
    got = run_refrt(model_of("TreeEnsembleRegressor", attrs, x.astype(dtype)), {"X": x.astype(dtype)})
    assert_same(expected, got, RTOL, ATOL)


# --- classifier ----------------------------------------------------------------------------------


def class_weights(n_classes, *, positive=True, every_leaf_every_class=True, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for t, n in [(0, 2), (0, 3), (0, 4), (1, 1), (1, 2)]:
        for k in range(n_classes):
            if every_leaf_every_class or rng.random() < 0.5:
                w = float(np.round(rng.random() if positive else rng.normal(), 3))
                out.append((t, n, k, w))
    return out


@pytest.mark.parametrize("transform", TRANSFORMS)
@pytest.mark.parametrize("n_base", [0, 3])
@pytest.mark.parametrize("labels", ["ints", "strings"])
def test_multiclass(transform, n_base, labels):
    weights = class_weights(3, positive=transform == "PROBIT", every_leaf_every_class=False, seed=n_base)
    if transform == "PROBIT":
        weights = [(t, n, k, w / 3) for t, n, k, w in weights]
    attrs = dict(nodes_attrs(FOREST), **weights_attrs("class", weights), post_transform=transform)
    if n_base:
        attrs["base_values"] = [0.01, -0.02, 0.03] if transform != "PROBIT" else [0.1, 0.2, 0.3]
    kw = {}
    if labels == "ints":
        attrs["classlabels_int64s"] = [10, 20, 30]
    else:
        attrs["classlabels_strings"] = ["a", "b", "c"]
        kw["label_type"] = TensorProto.STRING
    check("TreeEnsembleClassifier", attrs, X2, **kw)
    check("TreeEnsembleClassifier", attrs, X2, version=1, **kw)


def test_multiclass_ties_and_classes_without_a_score():
    # ties go to the first class; a class no reached leaf scores is never chosen, even over negatives
    nodes = [(0, 0, 0, "BRANCH_LEQ", 0.5, 1, 2, 0), leaf(0, 1), leaf(0, 2)]
    weights = [(0, 1, 1, 0.5), (0, 1, 2, 0.5), (0, 2, 2, -1.0), (0, 2, 3, -2.0)]
    attrs = dict(nodes_attrs(nodes), **weights_attrs("class", weights), classlabels_int64s=[0, 1, 2, 3])
    got = check("TreeEnsembleClassifier", attrs, np.array([[0.0], [1.0]], dtype=np.float32))
    np.testing.assert_array_equal(got[0], [1, 2])


BINARY_WEIGHTS = {
    # the binary case: every weight is for one class id
    "class1": [(0, 2, 1, 0.3), (0, 3, 1, 0.8), (0, 4, 1, 0.6), (1, 1, 1, 0.1), (1, 2, 1, 0.05)],
    "class0": [(0, 2, 0, 0.3), (0, 3, 0, 0.8), (0, 4, 0, 0.6), (1, 1, 0, 0.1), (1, 2, 0, 0.05)],
    # two class ids: every row scores both / only rows reaching leaf (0, 4) score class 1
    "both": [(0, 2, 0, 0.7), (0, 2, 1, 0.3), (0, 3, 0, 0.2), (0, 3, 1, 0.8), (0, 4, 0, 0.4), (0, 4, 1, 0.6),
             (1, 1, 0, 0.1), (1, 2, 1, 0.05)],
    "sparse": [(0, 2, 0, 0.3), (0, 3, 0, 0.8), (0, 4, 1, 0.6), (1, 1, 0, 0.1), (1, 2, 0, 0.05)],
}


@pytest.mark.parametrize("which", list(BINARY_WEIGHTS))
@pytest.mark.parametrize("sign", ["positive", "mixed"])
@pytest.mark.parametrize("n_base", [0, 1, 2])
@pytest.mark.parametrize("transform", TRANSFORMS)
def test_binary_cases(which, sign, n_base, transform):
    weights = BINARY_WEIGHTS[which]
    if sign == "mixed":
        weights = [(t, n, k, w - 0.45) for t, n, k, w in weights]
    attrs = dict(nodes_attrs(FOREST), **weights_attrs("class", weights), classlabels_int64s=[5, 7],
                 post_transform=transform)
    if n_base:
        attrs["base_values"] = [0.1, -0.2][:n_base]
    # rows left with one score (class 1 without one, fewer than 2 base values) get one column for
    # PROBIT, and outside the binary case with one base value: onnxruntime leaves column 1 unwritten
    unwritten = which in ("class0", "sparse") and n_base < 2 and (transform == "PROBIT" or which == "sparse" and n_base == 1)
    check("TreeEnsembleClassifier", attrs, X2, columns=[0] if unwritten else None)


def test_binary_labels_outside_the_binary_case_are_literally_0_and_1():
    attrs = dict(nodes_attrs(FOREST), **weights_attrs("class", BINARY_WEIGHTS["both"]), classlabels_int64s=[5, 7])
    got = check("TreeEnsembleClassifier", attrs, X2)
    assert set(got[0].tolist()) <= {0, 1}
    strings = dict(attrs, classlabels_strings=["no", "yes"])
    del strings["classlabels_int64s"]
    got = check("TreeEnsembleClassifier", strings, X2, label_type=TensorProto.STRING)
    assert set(got[0].tolist()) <= {"no", "yes"}


def test_one_class():
    weights = [(0, 2, 0, -0.3), (0, 3, 0, 0.8), (0, 4, 0, 0.1), (1, 1, 0, -0.2), (1, 2, 0, 0.05)]
    attrs = dict(nodes_attrs(FOREST), **weights_attrs("class", weights), classlabels_int64s=[5])
    check("TreeEnsembleClassifier", attrs, X2)
    check("TreeEnsembleClassifier", dict(attrs, base_values=[0.25]), X2)


def test_a_row_without_any_class_score_fails_like_onnxruntime():
    nodes = [(0, 0, 0, "BRANCH_LEQ", 0.5, 1, 2, 0), leaf(0, 1), leaf(0, 2)]
    attrs = dict(nodes_attrs(nodes), **weights_attrs("class", [(0, 1, 0, 3.0)]), classlabels_int64s=[0, 1, 2])
    model = model_of("TreeEnsembleClassifier", attrs, np.array([[1.0]], dtype=np.float32))
    with pytest.raises(Exception):
        run_ort(model, {"X": np.array([[1.0]], dtype=np.float32)})
    with pytest.raises(refrt.errors.Fail, match="no leaf"):
        run_refrt(model, {"X": np.array([[1.0]], dtype=np.float32)})
    check("TreeEnsembleClassifier", attrs, np.array([[0.0]], dtype=np.float32))


def test_classifier_double_attributes():
    weights = class_weights(3, seed=4)
    attrs = dict(nodes_attrs(FOREST), **weights_attrs("class", weights), classlabels_int64s=[1, 2, 3],
                 base_values=[0.1, 0.2, 0.3], post_transform="SOFTMAX")
    check("TreeEnsembleClassifier", as_tensors(attrs, "class_weights"), X2.astype(np.float64))


# --- random forests ------------------------------------------------------------------------------


def random_trees(rng, *, n_trees, n_features, depth, modes, n_targets, dense=False):
    """Random trees as (nodes, weights) tuples; node ids are shuffled within each tree."""
    nodes, weights = [], []
    for tree in range(n_trees):
        ids = iter(rng.permutation(2 ** (depth + 1)))

        def grow(level):
            node = int(next(ids))
            if level == depth or (level > 0 and rng.random() < 0.3):
                nodes.append(leaf(tree, node))
                for k in range(n_targets):
                    if dense or k == 0 or rng.random() < 0.5:
                        weights.append((tree, node, k, float(np.round(rng.normal(), 4))))
                return node
            at = len(nodes)
            nodes.append(None)
            true, false = grow(level + 1), grow(level + 1)
            nodes[at] = (tree, node, int(rng.integers(n_features)), str(rng.choice(modes)), float(np.round(rng.normal(), 1)),
                         true, false, int(rng.integers(2)))
            return node

        grow(0)
    return nodes, weights


@pytest.mark.parametrize("aggregate", ["SUM", "AVERAGE", "MIN", "MAX"])
@pytest.mark.parametrize("blocks", [False, True])
def test_random_regression_forest(aggregate, blocks, monkeypatch):
    if blocks:  # walk the rows in blocks of a few (tree, row) pairs
        from refrt.kernels.numpy import _tree_util
        monkeypatch.setattr(_tree_util, "_MAX_PAIRS", 97)
    rng = np.random.default_rng(11)
    nodes, weights = random_trees(rng, n_trees=20, n_features=5, depth=8, modes=MODES[:4], n_targets=3)
    x = np.round(rng.normal(size=(400, 5)), 1).astype(np.float32)
    x[rng.random(x.shape) < 0.05] = np.nan
    attrs = dict(nodes_attrs(nodes), **weights_attrs("target", weights), n_targets=3, aggregate_function=aggregate,
                 base_values=[0.5, 0.0, -0.5])
    check("TreeEnsembleRegressor", attrs, x)


@pytest.mark.parametrize("transform", ["NONE", "SOFTMAX"])
def test_random_classification_forest(transform):
    rng = np.random.default_rng(12)
    nodes, weights = random_trees(rng, n_trees=15, n_features=4, depth=7, modes=MODES, n_targets=4)
    x = np.round(rng.normal(size=(300, 4)), 1).astype(np.float32)
    x[rng.random(x.shape) < 0.05] = np.nan
    attrs = dict(nodes_attrs(nodes), **weights_attrs("class", weights), classlabels_int64s=[3, 1, 4, 2],
                 post_transform=transform)
    check("TreeEnsembleClassifier", attrs, x)


# --- revisions and errors --------------------------------------------------------------------------


@pytest.mark.parametrize("op, extra", [("TreeEnsembleRegressor", {"n_targets": 1}),
                                       ("TreeEnsembleClassifier", {"classlabels_int64s": [0, 1, 2]})])
def test_revision_5_is_refused_like_onnxruntime(op, extra):
    # deprecated in ai.onnx.ml 5: onnxruntime refuses the model, refrt has no kernel for it
    prefix = "target" if op == "TreeEnsembleRegressor" else "class"
    attrs = dict(nodes_attrs(FOREST), **weights_attrs(prefix, [(0, 2, 0, 1.0), (0, 3, 0, 1.0), (0, 4, 0, 1.0),
                                                                (1, 1, 0, 1.0), (1, 2, 0, 1.0)]), **extra)
    model = model_of(op, attrs, X2, version=5)
    with pytest.raises(Exception, match="deprecated"):
        run_ort(model, {"X": X2})
    # onnxruntime: INVALID_GRAPH "... is deprecated in domain_version of 5"; refrt: NOT_IMPLEMENTED
    with pytest.raises((refrt.errors.NotImplemented, refrt.errors.InvalidGraph), match=op):
        run_refrt(model, {"X": X2})


def bad(change):
    attrs = dict(nodes_attrs(FOREST), **weights_attrs("target", regression_weights(1)), n_targets=1)
    attrs.update(change)
    return attrs


@pytest.mark.parametrize("change, message", [
    ({"n_targets": 0}, "n_targets"),
    ({"base_values": [1.0, 2.0]}, "base_values should have 0 or 1"),
    ({"nodes_modes": ["BRANCH_LEQ", "BRANCH_XX"] + ["LEAF"] * 6}, "mode"),
    ({"nodes_truenodeids": [1, 9, 0, 0, 0, 0, 2, 0]}, "unable to find node"),
    ({"nodes_falsenodeids": [2, 1, 0, 0, 0, 0, 2, 0]}, "points to itself"),
    ({"target_ids": [0, 0, 0, 0, 4]}, "outside"),
    ({"nodes_nodeids": [0, 1, 2, 3, 3, 2, 0, 1]}, "twice"),
    ({"nodes_featureids": [0, 7, 0, 0, 0, 0, 1, 0]}, "feature 7"),
])
def test_bad_trees_are_errors(change, message):
    model = model_of("TreeEnsembleRegressor", bad(change), X2)
    with pytest.raises(Exception):
        run_ort(model, {"X": X2})
    # found at session creation (a ValueError there) or when the node runs (wrapped as Fail)
    with pytest.raises((refrt.errors.Fail, ValueError), match=f"(?i){message}"):
        run_refrt(model, {"X": X2})


def test_a_cycle_is_an_error():
    nodes = [(0, 0, 0, "BRANCH_LEQ", 0.5, 1, 2, 0), (0, 1, 0, "BRANCH_LEQ", 0.2, 0, 2, 0), leaf(0, 2)]
    attrs = dict(nodes_attrs(nodes), **weights_attrs("target", [(0, 2, 0, 1.0)]), n_targets=1)
    with pytest.raises((refrt.errors.Fail, ValueError), match="cycle"):
        run_refrt(model_of("TreeEnsembleRegressor", attrs, X2), {"X": X2})


# --- skl2onnx conversions ------------------------------------------------------------------------

skl2onnx = pytest.importorskip("skl2onnx")
from sklearn.datasets import make_classification, make_regression  # noqa: E402
from sklearn.ensemble import (  # noqa: E402
    ExtraTreesClassifier, ExtraTreesRegressor, GradientBoostingClassifier, GradientBoostingRegressor,
    RandomForestClassifier, RandomForestRegressor,
)
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor  # noqa: E402


def classification_data(n_classes):
    x, y = make_classification(300, 6, n_informative=4, n_classes=n_classes, random_state=n_classes)
    return x.astype(np.float32), y


def to_revision_3(model: onnx.ModelProto) -> onnx.ModelProto:
    """The same model at ai.onnx.ml 3 with double attributes and a double input."""
    model = onnx.ModelProto.FromString(model.SerializeToString())
    for opset in model.opset_import:
        if opset.domain == ML:
            opset.version = 3
    for node in model.graph.node:
        if node.domain != ML:
            continue
        kept = []
        for a in node.attribute:
            if a.name in ("nodes_values", "class_weights", "target_weights", "base_values", "nodes_hitrates"):
                kept.append(helper.make_attribute(f"{a.name}_as_tensor", numpy_helper.from_array(
                    np.asarray(a.floats, dtype=np.float64), a.name)))
            else:
                kept.append(a)
        del node.attribute[:]
        node.attribute.extend(kept)
    model.graph.input[0].type.tensor_type.elem_type = TensorProto.DOUBLE
    return model


CLASSIFIERS = [
    ("tree", DecisionTreeClassifier(max_depth=6, random_state=0), 3),
    ("forest", RandomForestClassifier(n_estimators=10, max_depth=8, random_state=0), 3),
    # an odd number of fully grown trees: no vote ends at exactly 0.5 (float rounding breaks ties)
    ("forest-binary", RandomForestClassifier(n_estimators=9, random_state=0), 2),
    ("extra", ExtraTreesClassifier(n_estimators=10, random_state=0), 4),
    ("boosting-binary", GradientBoostingClassifier(n_estimators=15, max_depth=3, random_state=0), 2),
    ("boosting-multiclass", GradientBoostingClassifier(n_estimators=10, max_depth=3, random_state=0), 3),
]


@pytest.mark.parametrize("name, estimator, n_classes", CLASSIFIERS, ids=[c[0] for c in CLASSIFIERS])
def test_sklearn_classifiers(name, estimator, n_classes):
    x, y = classification_data(n_classes)
    estimator.fit(x[:200], y[:200])
    onx = skl2onnx.to_onnx(estimator, x[:1], options={"zipmap": False})
    test = x[200:]
    label, proba = check_model(onx, test)
    np.testing.assert_array_equal(label, estimator.predict(test))
    np.testing.assert_allclose(proba, estimator.predict_proba(test), rtol=RTOL, atol=1e-5)
    label3, proba3 = check_model(to_revision_3(onx), test.astype(np.float64))
    np.testing.assert_array_equal(label3, label)
    np.testing.assert_allclose(proba3, proba, rtol=RTOL, atol=ATOL)


REGRESSORS = [
    ("tree", DecisionTreeRegressor(max_depth=6, random_state=0), 1),
    ("forest", RandomForestRegressor(n_estimators=10, max_depth=8, random_state=0), 1),
    ("forest-2-targets", RandomForestRegressor(n_estimators=5, random_state=0), 2),
    ("extra", ExtraTreesRegressor(n_estimators=10, random_state=0), 1),
    ("boosting", GradientBoostingRegressor(n_estimators=20, max_depth=3, random_state=0), 1),
]


@pytest.mark.parametrize("name, estimator, n_targets", REGRESSORS, ids=[r[0] for r in REGRESSORS])
def test_sklearn_regressors(name, estimator, n_targets):
    x, y = make_regression(300, 6, n_targets=n_targets, random_state=1)
    x = x.astype(np.float32)
    estimator.fit(x[:200], y[:200])
    onx = skl2onnx.to_onnx(estimator, x[:1])
    onx.graph.output[0].type.tensor_type.ClearField("shape")  # skl2onnx declares [N, 1] for 2 targets
    test = x[200:]
    (got,) = check_model(onx, test)
    want = estimator.predict(test).reshape(len(test), -1)
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=1e-6 * np.abs(want).max())
    (got3,) = check_model(to_revision_3(onx), test.astype(np.float64))
    np.testing.assert_allclose(got3, got, rtol=RTOL, atol=ATOL)


def check_model(model, x):
    expected = run_ort(model, {"X": x})
    got = run_refrt(model, {"X": x})
    assert_same(expected, got, RTOL, ATOL)
    return got


# --- onnxmltools conversions (LightGBM, XGBoost: BRANCH_LT, missing values, base values) ----------


def boosting_data(n_classes):
    if n_classes:
        x, y = make_classification(300, 6, n_informative=4, n_classes=n_classes, random_state=5)
    else:
        x, y = make_regression(300, 6, random_state=5)
    x = x.astype(np.float32)
    x[::7, 2] = np.nan  # missing values take each split's default branch
    return x, y


@pytest.mark.parametrize("library", ["lightgbm", "xgboost"])
@pytest.mark.parametrize("n_classes", [0, 2, 3])
def test_boosting_libraries(library, n_classes):
    lib = pytest.importorskip(library)
    onnxmltools = pytest.importorskip("onnxmltools")
    from onnxmltools.convert.common.data_types import FloatTensorType

    x, y = boosting_data(n_classes)
    if library == "lightgbm":
        kind = lib.LGBMClassifier if n_classes else lib.LGBMRegressor
        estimator = kind(n_estimators=10, num_leaves=8, verbose=-1).fit(x[:200], y[:200])
        convert, options = onnxmltools.convert_lightgbm, ({"zipmap": False} if n_classes else {})
    else:
        kind = lib.XGBClassifier if n_classes else lib.XGBRegressor
        estimator = kind(n_estimators=10, max_depth=3).fit(x[:200], y[:200])
        convert, options = onnxmltools.convert_xgboost, {}
    onx = convert(estimator, initial_types=[("X", FloatTensorType([None, 6]))], **options)
    for out in onx.graph.output:
        out.type.tensor_type.ClearField("shape")  # some converters declare [1] for N labels
    test = x[200:]
    got = check_model(onx, test)
    if n_classes:
        np.testing.assert_array_equal(got[0], estimator.predict(test))
        np.testing.assert_allclose(got[1], estimator.predict_proba(test), rtol=1e-4, atol=1e-5)
    else:
        np.testing.assert_allclose(got[0].reshape(-1), estimator.predict(test), rtol=1e-4, atol=1e-4)
