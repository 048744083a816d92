"""The Numba provider's tree ensembles: TreeEnsembleClassifier/Regressor (ai.onnx.ml 1 and 3) and
TreeEnsemble (ai.onnx.ml 5), kernels/numba/op_tree_ensemble*.py and _trees.py.

Scores and labels equal the NumPy provider's BIT FOR BIT (the compiled sum adds the same weights
in the same order and type, and the walk decides every comparison as the NumPy walk does), and
onnxruntime's within rtol 1e-5 (its sums of float32 weights may differ in the last bits where it
orders them otherwise), labels exactly. Every session test checks that the node ran on the Numba
provider. Row counts 1 and 300; a test with a tiny chunk size runs the rows split across threads.
Delegated cases: EQ/NEQ/MEMBER modes (the NumPy walk), MIN/MAX, one class (the NumPy sum over the
compiled walk), all equal to the NumPy kernel exactly.
"""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper
from oracle import run_ort

import refrt
from refrt import registry

pytest.importorskip("numba")
# The NumPy kernels first, under the CPU provider, whatever order the sessions below discover the
# providers in (a Numba module importing a NumPy kernel module must not file it under Numba).
registry.discover("refrt.kernels.numpy", "CPUExecutionProvider")

from refrt.kernels.numba import _trees  # noqa: E402
from refrt.kernels.numpy._tree_util import LEQ, LT, GTE, GT, Forest  # noqa: E402

NUMBA = ["NumbaExecutionProvider", "CPUExecutionProvider"]
RTOL, ATOL = 1e-5, 1e-6
ML = "ai.onnx.ml"


def session(model, providers=NUMBA, threads=0):
    so = refrt.SessionOptions()
    so.intra_op_num_threads = threads
    return refrt.InferenceSession(model.SerializeToString(), so, providers=providers)


def placed(sess) -> dict[str, str]:
    """{op_type: provider} of the session's plan."""
    return {step.node.op_type: step.provider for step in sess._compiled.plan_for(sess._output_names).steps}


def check(model, feeds, *, ort=True, threads=0):
    """Run on the Numba provider (asserting it holds the tree node), compare with the NumPy provider
    exactly and with onnxruntime within RTOL/ATOL (labels exactly)."""
    sess = session(model, threads=threads)
    op = next(n.op_type for n in model.graph.node if n.op_type.startswith("TreeEnsemble"))
    assert placed(sess)[op] == "NumbaExecutionProvider"
    got = sess.run(None, feeds)
    for e, g in zip(session(model, ["CPUExecutionProvider"]).run(None, feeds), got):
        assert g.dtype == e.dtype and g.shape == e.shape
        np.testing.assert_array_equal(g, e)  # the same sums in the same order
    if ort:
        for e, g in zip(run_ort(model, feeds), got):
            if e.dtype.kind in "iu":
                np.testing.assert_array_equal(g, e)
            else:
                np.testing.assert_allclose(g, e, rtol=RTOL, atol=ATOL)
    return got


# -- scikit-learn models ---------------------------------------------------------------------------

def _sklearn(kind):
    pytest.importorskip("sklearn")
    pytest.importorskip("skl2onnx")
    from skl2onnx import to_onnx
    from sklearn.datasets import make_classification, make_regression
    from sklearn.ensemble import GradientBoostingClassifier, GradientBoostingRegressor, RandomForestClassifier
    from sklearn.ensemble import RandomForestRegressor

    if kind.endswith("regressor"):
        x, y = make_regression(n_samples=300, n_features=6, n_targets=2 if kind == "rf2_regressor" else 1,
                               random_state=0)
    else:
        x, y = make_classification(n_samples=300, n_features=6, n_informative=4,
                                   n_classes=3 if "multi" in kind else 2, random_state=0)
    x = x.astype(np.float32)
    est = {"rf_binary": lambda: RandomForestClassifier(n_estimators=8, max_depth=8, random_state=0),
           "rf_multi": lambda: RandomForestClassifier(n_estimators=8, max_depth=8, random_state=0),
           "gb_multi": lambda: GradientBoostingClassifier(n_estimators=6, random_state=0),
           "gb_regressor": lambda: GradientBoostingRegressor(n_estimators=10, random_state=0),
           "rf2_regressor": lambda: RandomForestRegressor(n_estimators=5, max_depth=6, random_state=0)}[kind]()
    est.fit(x, y)
    options = {id(est): {"zipmap": False}} if "regressor" not in kind else None
    model = to_onnx(est, x[:1], target_opset={"": 17, ML: 3}, options=options)
    model.ir_version = 8
    return model, x


def _feeds(model, x, rows, seed=1):
    return {model.graph.input[0].name: np.random.default_rng(seed).standard_normal((rows, x.shape[1])).astype(
        np.float32) * x.std(axis=0)}


@pytest.mark.parametrize("rows", [1, 300])
@pytest.mark.parametrize("kind", ["rf_binary", "rf_multi", "gb_multi", "gb_regressor", "rf2_regressor"])
def test_sklearn_trees_exact_against_numpy_and_close_to_onnxruntime(kind, rows):
    model, x = _sklearn(kind)
    check(model, _feeds(model, x, rows))


@pytest.mark.parametrize("kind", ["rf_multi", "gb_regressor"])
def test_rows_split_across_threads_give_the_same_numbers(kind, monkeypatch):
    model, x = _sklearn(kind)
    feeds = _feeds(model, x, 300, seed=3)
    one = check(model, feeds, threads=1)
    monkeypatch.setattr(_trees, "MIN_CHUNK_STEPS", 1)  # chunks of ROW_BLOCK rows: 300 rows in 2
    calls = []
    real = _trees.run_chunks
    monkeypatch.setattr(_trees, "run_chunks", lambda *a: calls.append(a[1:]) or real(*a))
    for e, g in zip(one, check(model, feeds, threads=2)):
        np.testing.assert_array_equal(g, e)
    assert calls == [(300, _trees.ROW_BLOCK)]


@pytest.mark.parametrize("string_labels", [False, True])
def test_binary_forest_short_finish_equals_numpy_finish(string_labels):
    from refrt.kernels.numpy import op_tree_ensemble_classifier as np_k

    model, x = _sklearn("rf_binary")
    node = model.graph.node[0]
    if string_labels:  # the same trees, labels "no"/"yes"
        for a in node.attribute:
            if a.name == "classlabels_int64s":
                node.attribute.remove(a)
                break
        node.attribute.append(helper.make_attribute("classlabels_strings", ["no", "yes"]))
        model.graph.output[0].type.tensor_type.elem_type = TensorProto.STRING
    attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    attrs = {k: v.decode() if isinstance(v, bytes) else [s.decode() for s in v]
             if isinstance(v, list) and v and isinstance(v[0], bytes) else v for k, v in attrs.items()}
    assert np_k.tree_ensemble_classifier_1(**attrs).prepared.positive_binary
    feeds = _feeds(model, x, 300)
    got = check(model, feeds, ort=not string_labels)
    assert (got[1][:, 1] == 0.5).any()  # ties: 4 of the 8 trees
    if string_labels:
        assert set(got[0].tolist()) == {"no", "yes"}


@pytest.mark.parametrize("kind", ["rf_binary", "gb_regressor"])
def test_no_rows_and_rows_not_contiguous(kind):
    model, x = _sklearn(kind)
    name = model.graph.input[0].name
    check(model, {name: np.zeros((0, x.shape[1]), np.float32)}, ort=False)
    wide = np.asfortranarray(_feeds(model, x, 40)[name])
    check(model, {name: wide})


def test_tree_ensemble_5_from_sklearn_exact_against_numpy_and_onnxruntime():
    from ml_models import tree_ensemble5

    model, x = _sklearn("gb_regressor")
    model = tree_ensemble5(model)
    assert [n.op_type for n in model.graph.node] == ["TreeEnsemble", "Add"]  # the base value
    check(model, _feeds(model, x, 300))


# -- small hand-made forests: every fast mode, NaN routes, dtypes, delegated cases -------------------

def _tree_model(op, modes, *, missing=(0, 0, 0), aggregate=None, dtype=np.float32, n_classes=2):
    """Two trees of depth 2 on 2 features; weights for two targets/classes."""
    nodes = dict(nodes_treeids=[0] * 5 + [1] * 5, nodes_nodeids=[0, 1, 2, 3, 4] * 2,
                 nodes_featureids=[0, 1, 0, 0, 0, 1, 0, 0, 0, 0],  # tree 1: node 0 -> leaf 1 | node 3 -> leaves 2, 4
                 nodes_modes=[modes[0], modes[1], "LEAF", "LEAF", "LEAF", modes[2], "LEAF", "LEAF", modes[1], "LEAF"],
                 nodes_values=[0.25, -0.5, 0, 0, 0, 0.0, 0, 0, 1.0, 0],
                 nodes_truenodeids=[1, 2, 0, 0, 0, 1, 0, 0, 2, 0], nodes_falsenodeids=[4, 3, 0, 0, 0, 3, 0, 0, 4, 0],
                 nodes_missing_value_tracks_true=[missing[0], missing[1], 0, 0, 0, missing[2], 0, 0, 0, 0])
    leaves = [(0, 2), (0, 3), (0, 4), (1, 1), (1, 2), (1, 4)]
    prefix = "class" if op == "TreeEnsembleClassifier" else "target"
    ids = [0] * 6 + [1] * 6 if n_classes > 1 else [0] * 12
    w = {f"{prefix}_treeids": [t for t, _ in leaves] * 2, f"{prefix}_nodeids": [n for _, n in leaves] * 2,
         f"{prefix}_ids": ids, f"{prefix}_weights": [0.5, -1.25, 2.0, 0.75, 0.1, -0.3,
                                                     1.5, 0.25, -2.0, 0.3, 0.9, 0.6]}
    if op == "TreeEnsembleClassifier":
        attrs = dict(nodes, **w, classlabels_int64s=[7, 9][:n_classes])
        outs = [helper.make_tensor_value_info("Y", TensorProto.INT64, None),
                helper.make_tensor_value_info("Z", TensorProto.FLOAT, None)]
    else:
        attrs = dict(nodes, **w, n_targets=2, aggregate_function=aggregate or "SUM")
        outs = [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)]
    node = helper.make_node(op, ["X"], [o.name for o in outs], domain=ML, **attrs)
    graph = helper.make_graph([node], "t", [helper.make_tensor_value_info(
        "X", helper.np_dtype_to_tensor_dtype(np.dtype(dtype)), None)], outs)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid(ML, 3)])
    model.ir_version = 8
    return model


def _x_with_nans(rows, dtype=np.float32):
    x = np.random.default_rng(2).standard_normal((rows, 2)).astype(dtype)
    x[::3, 0] = np.nan
    x[1::4, 1] = np.nan
    x[2:3, :] = [0.25, -0.5]  # on the splits
    return x


@pytest.mark.parametrize("rows", [1, 300])
@pytest.mark.parametrize("case", [
    ("TreeEnsembleClassifier", ("BRANCH_LEQ", "BRANCH_LT", "BRANCH_GT"), (0, 0, 0), None),
    ("TreeEnsembleClassifier", ("BRANCH_GTE", "BRANCH_LEQ", "BRANCH_LT"), (1, 0, 1), None),
    ("TreeEnsembleRegressor", ("BRANCH_LT", "BRANCH_GTE", "BRANCH_LEQ"), (1, 1, 0), "AVERAGE"),
    ("TreeEnsembleRegressor", ("BRANCH_LEQ", "BRANCH_LEQ", "BRANCH_LT"), (1, 1, 1), "SUM"),  # NaN: branch 0
    ("TreeEnsembleRegressor", ("BRANCH_LEQ", "BRANCH_GT", "BRANCH_GTE"), (0, 1, 0), "MIN"),  # compiled walk only
    ("TreeEnsembleRegressor", ("BRANCH_EQ", "BRANCH_NEQ", "BRANCH_LEQ"), (1, 0, 0), "SUM"),  # NumPy walk
    ("TreeEnsembleClassifier", ("BRANCH_NEQ", "BRANCH_LEQ", "BRANCH_EQ"), (0, 1, 0), None),  # NumPy walk
], ids=["clf-leq", "clf-missing", "reg-avg", "reg-all-missing", "reg-min", "reg-eq", "clf-neq"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_modes_and_nans_exact_against_numpy_and_onnxruntime(case, rows, dtype):
    op, modes, missing, aggregate = case
    model = _tree_model(op, modes, missing=missing, aggregate=aggregate, dtype=dtype)
    # onnxruntime has no double regressor here in every build: float only
    check(model, {"X": _x_with_nans(rows, dtype)}, ort=dtype == np.float32)


def test_one_class_and_integer_input_are_exact_against_numpy():
    model = _tree_model("TreeEnsembleClassifier", ("BRANCH_LEQ", "BRANCH_LT", "BRANCH_GT"), n_classes=1)
    check(model, {"X": _x_with_nans(300)})  # one class: the NumPy sum over the compiled walk
    model = _tree_model("TreeEnsembleRegressor", ("BRANCH_LEQ", "BRANCH_LT", "BRANCH_GT"), dtype=np.int64)
    x = np.random.default_rng(4).integers(-2, 3, (300, 2))
    check(model, {"X": x}, ort=False)  # compared as float32; onnxruntime 1.32 has no int64 regressor


# -- TreeEnsemble (ai.onnx.ml 5) -------------------------------------------------------------------

def _te5_model(modes, *, aggregate=1, transform=0, dtype=np.float32, missing=(0, 0, 0, 0), members=None):
    """Tree 0: node 0 (x0 ? 0.25) -> node 1 (x1 ? -0.5) -> leaves 0/1 | leaf 2; tree 1: node 2
    (x1 ? 0) -> leaf 3 | node 3 (x0 ? 1) -> leaves 4/5. Three targets."""
    attrs = dict(
        nodes_featureids=[0, 1, 1, 0], nodes_modes=numpy_helper.from_array(np.array(modes, np.uint8), "m"),
        nodes_splits=numpy_helper.from_array(np.array([0.25, -0.5, 0.0, 1.0], dtype), "s"),
        nodes_truenodeids=[1, 0, 3, 4], nodes_trueleafs=[0, 1, 1, 1],
        nodes_falsenodeids=[2, 1, 3, 5], nodes_falseleafs=[1, 1, 0, 1],
        nodes_missing_value_tracks_true=list(missing), tree_roots=[0, 2], n_targets=3,
        leaf_targetids=[0, 1, 2, 0, 1, 1],
        leaf_weights=numpy_helper.from_array(np.array([0.5, -1.25, 2.0, 0.75, 0.1, -0.3], dtype), "w"),
        aggregate_function=aggregate, post_transform=transform)
    if members is not None:
        attrs["membership_values"] = numpy_helper.from_array(np.array(members, dtype), "mv")
    node = helper.make_node("TreeEnsemble", ["X"], ["Y"], domain=ML, **attrs)
    t = helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
    graph = helper.make_graph([node], "te5", [helper.make_tensor_value_info("X", t, None)],
                              [helper.make_tensor_value_info("Y", t, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21), helper.make_opsetid(ML, 5)])
    model.ir_version = 10
    return model


@pytest.mark.parametrize("rows", [1, 300])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", [
    ((LEQ, LT, GT, GTE), (0, 0, 0, 0), 1),
    ((GTE, LEQ, LT, GT), (1, 0, 1, 0), 0),  # AVERAGE, NaN routes mixed
    ((LEQ, LEQ, LEQ, LEQ), (0, 0, 0, 0), 3),  # MAX: compiled walk, NumPy reduction
    ((4, 5, LEQ, LEQ), (1, 0, 0, 0), 1),  # EQ, NEQ: the NumPy walk
], ids=["sum", "average-missing", "max", "eq-neq"])
def test_tree_ensemble_5_exact_against_numpy_and_onnxruntime(case, dtype, rows):
    modes, missing, aggregate = case
    model = _te5_model(modes, aggregate=aggregate, dtype=dtype, missing=missing)
    check(model, {"X": _x_with_nans(rows, dtype)})


def test_tree_ensemble_5_membership_and_transform_delegate_exactly():
    model = _te5_model((LEQ, 6, LEQ, LEQ), members=[-1, 2, np.nan])  # BRANCH_MEMBER: the NumPy walk
    x = _x_with_nans(50)
    x[5:10, 1] = 2  # onnxruntime takes integer sets only
    x[10:15, 1] = -1
    check(model, {"X": x})
    check(_te5_model((LEQ, LT, GT, GTE), transform=3), {"X": x})  # SOFTMAX_ZERO after the compiled sum


# -- the compiled walk itself -----------------------------------------------------------------------

def _random_forest(rng, *, n_trees=6, depth=12, n_features=5, modes=(LEQ, LT, GTE, GT), missing=None):
    """Unbalanced random trees (a branch stops early with probability 0.4), as a Forest."""
    features, node_modes, splits, true_child, false_child, tracks, roots = [], [], [], [], [], [], []
    leaves = [0]

    def grow(level):
        if level == depth or level > 1 and rng.random() < 0.4:
            leaves[0] += 1
            return -leaves[0]  # leaf k (1-based), numbered after the branches below
        i = len(features)
        features.append(int(rng.integers(n_features)))
        node_modes.append(int(rng.choice(modes)))
        splits.append(float(np.float32(rng.standard_normal())))
        tracks.append(bool(rng.integers(2)) if missing is None else missing)
        true_child.append(0)
        false_child.append(0)
        true_child[i], false_child[i] = grow(level + 1), grow(level + 1)
        return i

    for _ in range(n_trees):
        roots.append(grow(0))
    nb = len(features)

    def number(c):
        return c if c >= 0 else nb - c - 1

    return Forest("test", features=features, modes=node_modes, splits=splits,
                  true_child=[number(c) for c in true_child], false_child=[number(c) for c in false_child],
                  missing_true=tracks, roots=[number(r) for r in roots], n_leaves=leaves[0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("nan_case", ["mixed", "all-false", "all-true"])
def test_compiled_leaves_equal_numpy_walk(nan_case, dtype):
    rng = np.random.default_rng(5)
    if nan_case == "mixed":  # NaN branches differ per node: looked up when X has a NaN
        forest, expect = _random_forest(rng), None
    elif nan_case == "all-false":  # LEQ, no tracking: a NaN takes branch 1, "not x <= s"
        forest, expect = _random_forest(rng, modes=(LEQ,), missing=False), _trees.NAN_NOT_LEQ
    else:  # LEQ, tracking: a NaN takes branch 0, "x > s"
        forest, expect = _random_forest(rng, modes=(LEQ,), missing=True), _trees.NAN_GT
    cf = _trees.CompiledForest.build(forest, dtype)
    assert cf.nan_fixed == expect
    assert (cf.switches < cf.depths).any()  # deep unbalanced trees: the compacted tail runs too
    x = rng.standard_normal((700, 5)).astype(dtype)
    x[rng.random(x.shape) < 0.1] = np.nan
    x[3, :] = forest.splits[:5].astype(dtype)  # on the splits
    np.testing.assert_array_equal(cf.leaves(x), Forest.leaves(forest, x))
    clean = np.nan_to_num(x)
    np.testing.assert_array_equal(cf.leaves(clean), Forest.leaves(forest, clean))
    with pytest.raises(ValueError):
        cf.leaves(x[:, :1])  # a node reads a later feature


def test_numpy_kernels_expose_their_prepared_trees():
    from refrt.kernels.numpy import op_tree_ensemble_regressor as np_k

    model = _tree_model("TreeEnsembleRegressor", ("BRANCH_LT", "BRANCH_GT", "BRANCH_GTE"), aggregate="MAX")
    attrs = {a.name: helper.get_attribute_value(a) for a in model.graph.node[0].attribute}
    attrs = {k: v.decode() if isinstance(v, bytes) else [s.decode() for s in v]
             if isinstance(v, list) and v and isinstance(v[0], bytes) else v for k, v in attrs.items()}
    p = np_k.tree_ensemble_regressor_3(**attrs).prepared
    assert isinstance(p.forest, Forest) and p.n_targets == 2 and p.aggregate == "MAX" and p.finish is None
    assert _trees.CompiledForest.build(p.forest, np.float32) is not None
    attrs["nodes_modes"] = ["BRANCH_EQ"] + attrs["nodes_modes"][1:]
    p = np_k.tree_ensemble_regressor_3(**attrs).prepared
    assert _trees.CompiledForest.build(p.forest, np.float32) is None  # EQ: not compiled
