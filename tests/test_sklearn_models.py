"""Converted scikit-learn, LightGBM and XGBoost models (tests/ml_models.py) through refrt.

Two oracles per model:

* onnxruntime (one thread: see run_ort) on the same ONNX file: labels exactly, probabilities and
  scores within rtol 1e-5, atol 1e-6 (one case looser, its ort_why says why); ZipMap outputs are lists of dicts, compared key by key (keys and their Python types
  exactly); the session's NodeArg types (``seq(map(int64,tensor(float)))``) exactly.
* the estimator itself (predict, predict_proba, transform): refrt's outputs against scikit-learn's
  float64 answers, within the case's tolerance (ml_models.MLCase: float32 models against float64
  estimators; each loose tolerance says why there). A label may differ from predict only at a
  tie of predict_proba.

The cases are ml_models.CASES (ids name the estimator, ``-zipmap``/``-nozipmap``, ``-ml3`` for
ai.onnx.ml revision 3, ``-te5`` for TreeEnsemble-5, ``bench_*`` for the benchmark's two models).
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("sklearn")
pytest.importorskip("skl2onnx")

import ml_models  # noqa: E402
from ml_models import CASES  # noqa: E402
from oracle import assert_same  # noqa: E402

import refrt  # noqa: E402

RTOL, ATOL = 1e-5, 1e-6
_BOOSTERS = {"lgbm": "lightgbm", "xgb": "xgboost"}


def _needs(name: str) -> None:
    for prefix, module in _BOOSTERS.items():
        if name.startswith(prefix):
            pytest.importorskip(module)
            pytest.importorskip("onnxmltools")


def run_ort(model, feeds) -> list:
    """onnxruntime with one intra-op thread, optimisations off.

    One thread on purpose: onnxruntime's tree ensembles split the trees among its threads and add
    the float32 partial sums, so with the default pool a score (and a label at an exact vote tie,
    e.g. 50 of 100 trees, 3 rows in 300 of the benchmark's forest) depends on the machine's core
    count. With one thread each row sums its trees in order, which refrt can match exactly.
    """
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    return ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"]).run(None, feeds)


_BUILT: dict = {}
_RESULTS: dict = {}


def _built(name: str):
    """(converted, onnxruntime outputs), once per case per process."""
    if name not in _BUILT:
        _needs(name)
        conv = CASES[name].build()
        _BUILT[name] = (conv, run_ort(conv.model, conv.feeds))
    return _BUILT[name]


def _run(name: str):
    """(converted, onnxruntime outputs, refrt session, refrt outputs); a refrt failure is kept and re-raised."""
    conv, expected = _built(name)
    if name not in _RESULTS:
        try:
            sess = refrt.InferenceSession(conv.model.SerializeToString(), providers=["CPUExecutionProvider"])
            _RESULTS[name] = (conv, expected, sess, sess.run(None, conv.feeds))
        except Exception as err:  # noqa: BLE001 - re-raised by every test of this case
            _RESULTS[name] = err
    if isinstance(_RESULTS[name], Exception):
        raise _RESULTS[name]
    return _RESULTS[name]


def _assert_dicts_close(expected: list, got: list, rtol: float, atol: float, what: str) -> None:
    assert isinstance(got, list), f"{what}: {type(got).__name__}, expected a list of dicts (ZipMap)"
    assert len(got) == len(expected), f"{what}: {len(got)} rows, expected {len(expected)}"
    for row, (e, g) in enumerate(zip(expected, got)):
        assert isinstance(g, dict), f"{what} row {row}: {type(g).__name__}, expected dict"
        assert list(g) == list(e), f"{what} row {row}: keys {list(g)}, expected {list(e)}"
        assert [type(k) for k in g] == [type(k) for k in e], f"{what} row {row}: key types differ"
        np.testing.assert_allclose(np.array(list(g.values()), dtype=np.float64),
                                   np.array(list(e.values()), dtype=np.float64), rtol=rtol, atol=atol,
                                   err_msg=f"{what} row {row}")
        assert all(type(v) is type(w) for v, w in zip(g.values(), e.values())), f"{what} row {row}: value types"


def assert_outputs_match(expected: list, got: list, rtol: float = RTOL, atol: float = ATOL) -> None:
    """onnxruntime's outputs against refrt's: arrays by assert_same, ZipMap lists key by key."""
    assert len(got) == len(expected), f"{len(got)} outputs, expected {len(expected)}"
    for i, (e, g) in enumerate(zip(expected, got)):
        if isinstance(e, list):
            _assert_dicts_close(e, g, rtol, atol, f"output {i}")
        else:
            assert isinstance(g, np.ndarray), f"output {i}: {type(g).__name__}, expected numpy array"
            assert_same([e], [g], rtol, atol)


# -- against onnxruntime ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(CASES))
def test_matches_onnxruntime(name):
    """Labels exactly; scores within 1e-5 relative (a case's looser ort_atol says why: ml_models)."""
    _, expected, _, got = _run(name)
    case = CASES[name]
    assert_outputs_match(expected, got, case.ort_rtol, case.ort_atol)


@pytest.mark.parametrize("name", list(CASES))
def test_node_args_match_onnxruntime(name):
    """get_inputs/get_outputs: names and types as onnxruntime spells them (maps and sequences included)."""
    import onnxruntime as ort

    conv, _, sess, _ = _run(name)
    ort_sess = ort.InferenceSession(conv.model.SerializeToString(), providers=["CPUExecutionProvider"])
    for kind in ("get_inputs", "get_outputs"):
        want = [(a.name, a.type) for a in getattr(ort_sess, kind)()]
        have = [(a.name, a.type) for a in getattr(sess, kind)()]
        assert have == want, f"{kind}: {have}, onnxruntime {want}"


# -- against the estimator ---------------------------------------------------------------------------

def _probability_matrix(probs, classes) -> np.ndarray:
    """[N, C] from probabilities, ZipMap's list of dicts read in ``classes`` order."""
    if isinstance(probs, list):
        return np.array([[row[c.item() if hasattr(c, "item") else c] for c in classes] for row in probs])
    return np.asarray(probs, dtype=np.float64)


def check_against_estimator(case: ml_models.MLCase, conv: ml_models.Converted, got: list) -> None:
    est, x = conv.estimator, conv.X
    tol = dict(rtol=case.sk_rtol, atol=case.sk_atol)
    why = f" ({case.why})" if case.why else ""
    if case.kind == "classifier":
        labels, want = np.asarray(got[0]), est.predict(x)
        proba = est.predict_proba(x)
        # A label may differ only on a tie: scikit-learn's two best classes within sk_atol (50 of 100
        # trees each, say), which float32 sums break one way and float64 argmax the other; the
        # runtime's label must then be one of the tied classes.
        top2 = np.sort(proba, axis=1)[:, -2:]
        tie = (top2[:, 1] - top2[:, 0]) <= 2 * case.sk_atol
        differ = labels != want
        if differ.any():
            rows = np.nonzero(differ)[0]
            label_col = {c: i for i, c in enumerate(est.classes_.tolist())}
            p_of_label = proba[rows, [label_col[v] for v in labels[rows].tolist()]]
            ok = tie[rows] & (p_of_label >= top2[rows, 1] - 2 * case.sk_atol)
            bad = rows[~ok][:10]
            assert ok.all(), (f"label vs predict: rows {bad.tolist()} give {labels[bad].tolist()}, "
                              f"scikit-learn {want[bad].tolist()} (no tie in predict_proba)")
        probs = _probability_matrix(got[1], est.classes_)
        np.testing.assert_allclose(probs, proba, **tol, err_msg=f"probabilities vs predict_proba{why}")
    elif case.kind == "regressor":
        np.testing.assert_allclose(np.asarray(got[0], dtype=np.float64).ravel(), est.predict(x).ravel(), **tol,
                                   err_msg=f"variable vs predict{why}")
    elif case.kind == "transformer":
        want = est.transform(x)
        if np.asarray(want).dtype.kind in "iu":
            np.testing.assert_array_equal(np.asarray(got[0]), want, err_msg="transform")
        else:
            np.testing.assert_allclose(np.asarray(got[0], dtype=np.float64), np.asarray(want, dtype=np.float64),
                                       **tol, err_msg=f"transform{why}")
    elif case.kind == "cluster":
        np.testing.assert_array_equal(np.asarray(got[0]), est.predict(x), err_msg="label vs predict")
        np.testing.assert_allclose(np.asarray(got[1], dtype=np.float64), est.transform(x), **tol,
                                   err_msg=f"scores vs transform{why}")
    else:
        raise AssertionError(f"unknown case kind {case.kind!r}")


@pytest.mark.parametrize("name", list(CASES))
def test_matches_estimator(name):
    conv, _, _, got = _run(name)
    check_against_estimator(CASES[name], conv, got)


# -- the helpers themselves ------------------------------------------------------------------------

def test_zipmap_comparison_catches_a_wrong_key_type():
    with pytest.raises(AssertionError, match="key types"):
        assert_outputs_match([[{1: 0.5}]], [[{np.int64(1): 0.5}]])


def test_zipmap_comparison_catches_a_wrong_value():
    with pytest.raises(AssertionError):
        assert_outputs_match([[{"a": 0.5, "b": 0.5}]], [[{"a": 0.5, "b": 0.6}]])


def test_tree_ensemble5_rewrite_agrees_with_the_regressor_in_onnxruntime():
    """The TreeEnsemble-5 cases are only as good as ml_models.tree_ensemble5: onnxruntime runs both forms."""
    conv = ml_models._simple(ml_models._gb_reg, ml_models.regression)()
    rewritten = ml_models.tree_ensemble5(conv.model)
    assert [n.op_type for n in rewritten.graph.node if n.domain == "ai.onnx.ml"] == ["TreeEnsemble"]
    np.testing.assert_allclose(run_ort(rewritten, conv.feeds)[0], run_ort(conv.model, conv.feeds)[0],
                               rtol=1e-6, atol=1e-5)


def test_estimator_check_catches_a_flipped_label():
    """The tie allowance lets no ordinary row through: one flipped label of onnxruntime's fails."""
    conv, expected = _built("random_forest_classifier-nozipmap")
    labels = expected[0].copy()
    proba = conv.estimator.predict_proba(conv.X)
    row = int(np.argmax(proba.max(axis=1)))  # the most certain row
    labels[row] = (labels[row] + 1) % 3
    with pytest.raises(AssertionError, match="no tie"):
        check_against_estimator(CASES["random_forest_classifier-nozipmap"], conv, [labels, expected[1]])
