"""The Numba provider's recurrent kernels (LSTM, PackedLSTM, GRU, RNN) and tree ensembles
(TreeEnsembleClassifier/Regressor, ai.onnx.ml 1 and 3).

Recurrent kernels: against the NumPy kernel called directly and against onnxruntime through a
session with ["NumbaExecutionProvider", "CPUExecutionProvider"]; tolerance rtol 1e-5 / atol 1e-6
(float32 rounding: the compiled tanh is a rational approximation within a few ulp of NumPy's, and
the state runs through every step). Delegated cases (peepholes, clip, sequence_lens, float64,
custom activations) equal the NumPy kernel exactly. Tree ensembles: scores and labels equal the
NumPy provider's BIT FOR BIT (same sum order), and onnxruntime's within rtol 1e-5, labels exactly;
row counts 1 and 300 (the parallel loop starts at 256 rows). Every session test checks that the
node ran on the Numba provider.
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

NUMBA = ["NumbaExecutionProvider", "CPUExecutionProvider"]
RTOL, ATOL = 1e-5, 1e-6
ML = "ai.onnx.ml"


def session(model, providers=NUMBA):
    return refrt.InferenceSession(model.SerializeToString(), providers=providers)


def placed(sess) -> dict[str, str]:
    """{op_type: provider} of the session's plan."""
    return {step.node.op_type: step.provider for step in sess._compiled.plan_for(sess._output_names).steps}


# -- recurrent kernels ---------------------------------------------------------------------------

def rnn_model(op, x, w, r, b, *, h0=None, c0=None, attrs=None, const_weights=True, opset=14):
    inputs = {"X": x, "W": w, "R": r, "B": b, "sequence_lens": None, "initial_h": h0}
    if op == "LSTM":
        inputs["initial_c"] = c0
    names = [n if v is not None else "" for n, v in inputs.items()]
    while names and names[-1] == "":
        names.pop()
    outs = ["Y", "Y_h"] + (["Y_c"] if op == "LSTM" else [])
    node = helper.make_node(op, names, outs, **(attrs or {}))
    consts = {"W", "R", "B"} if const_weights else set()
    graph_inputs = [helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(v.dtype), v.shape)
                    for n, v in inputs.items() if v is not None and n not in consts]
    inits = [numpy_helper.from_array(inputs[n], n) for n in consts if inputs[n] is not None]
    outputs = [helper.make_tensor_value_info(o, helper.np_dtype_to_tensor_dtype(x.dtype), None) for o in outs]
    graph = helper.make_graph([node], "rnn", graph_inputs, outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    feeds = {n: v for n, v in inputs.items() if v is not None and n not in consts}
    return model, feeds


def rnn_arrays(gates, *, steps=5, batch=3, inputs=4, hidden=6, nd=1, seed=0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((steps, batch, inputs)).astype(dtype)
    w = (rng.standard_normal((nd, gates * hidden, inputs)) * 0.5).astype(dtype)
    r = (rng.standard_normal((nd, gates * hidden, hidden)) * 0.5).astype(dtype)
    b = (rng.standard_normal((nd, 2 * gates * hidden)) * 0.5).astype(dtype)
    h0 = rng.standard_normal((nd, batch, hidden)).astype(dtype)
    c0 = rng.standard_normal((nd, batch, hidden)).astype(dtype)
    return x, w, r, b, h0, c0


def assert_close(expected, got):
    assert len(expected) == len(got)
    for e, g in zip(expected, got):
        assert g.dtype == e.dtype and g.shape == e.shape
        np.testing.assert_allclose(g, e, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("direction", ["forward", "reverse", "bidirectional"])
def test_lstm_session_packed_against_onnxruntime(direction):
    nd = 2 if direction == "bidirectional" else 1
    x, w, r, b, h0, c0 = rnn_arrays(4, nd=nd)
    model, feeds = rnn_model("LSTM", x, w, r, b, h0=h0, c0=c0, attrs={"direction": direction, "hidden_size": 6})
    sess = session(model)
    assert placed(sess) == {"PackedLSTM": "NumbaExecutionProvider"}  # prepack_weights made it PackedLSTM
    assert_close(run_ort(model, feeds), sess.run(None, feeds))


@pytest.mark.parametrize("layout", [0, 1])
@pytest.mark.parametrize("direction", ["forward", "bidirectional"])
def test_lstm_session_unpacked_against_onnxruntime(direction, layout):
    nd = 2 if direction == "bidirectional" else 1
    x, w, r, b, h0, c0 = rnn_arrays(4, nd=nd, seed=1)
    if layout:
        x, h0, c0 = x.transpose(1, 0, 2).copy(), h0.transpose(1, 0, 2).copy(), c0.transpose(1, 0, 2).copy()
    # weights as graph inputs: no prepacking, the LSTM kernel itself runs
    model, feeds = rnn_model("LSTM", x, w, r, b, h0=h0, c0=c0, const_weights=False,
                             attrs={"direction": direction, "hidden_size": 6, "layout": layout})
    sess = session(model)
    assert placed(sess) == {"LSTM": "NumbaExecutionProvider"}
    # onnxruntime refuses layout 1 (batchwise): the NumPy provider is the reference there
    expected = session(model, ["CPUExecutionProvider"]).run(None, feeds) if layout else run_ort(model, feeds)
    assert_close(expected, sess.run(None, feeds))


def _call_both(np_fn, nb_fn, *args, **kw):
    return np_fn(*args, **kw), nb_fn(*args, **kw)


def test_lstm_kernel_against_numpy_kernel():
    from refrt.kernels.numba import op_lstm as nb
    from refrt.kernels.numpy import op_lstm as np_k

    x, w, r, b, h0, c0 = rnn_arrays(4, nd=2, steps=7, batch=2, hidden=5, seed=2)
    kw = dict(direction="bidirectional", hidden_size=5, _output_used=(True, True, True))
    e, g = _call_both(np_k.lstm_7, nb.lstm_7, x, w, r, b, None, h0, c0, **kw)
    assert_close(e, g)
    # Y not wanted: the states alone
    kw["_output_used"] = (False, True, True)
    e, g = _call_both(np_k.lstm_7, nb.lstm_7, x, w, r, None, None, None, None, **kw)
    assert e[0] is None and g[0] is None
    assert_close(e[1:], g[1:])


@pytest.mark.parametrize("case", ["peepholes", "clip", "sequence_lens", "float64", "activations", "input_forget"])
def test_lstm_delegated_cases_equal_numpy_kernel(case):
    from refrt.kernels.numba import op_lstm as nb
    from refrt.kernels.numpy import op_lstm as np_k

    dtype = np.float64 if case == "float64" else np.float32
    x, w, r, b, h0, c0 = rnn_arrays(4, seed=3, dtype=dtype)
    p = np.full((1, 18), 0.1, dtype) if case == "peepholes" else None
    lens = np.array([5, 2, 0], np.int32) if case == "sequence_lens" else None
    kw = dict(direction="forward", hidden_size=6, _output_used=(True, True, True),
              clip=0.5 if case == "clip" else None, input_forget=int(case == "input_forget"),
              activations=["Sigmoid", "Tanh", "Relu"] if case == "activations" else None)
    e, g = _call_both(np_k.lstm_14, nb.lstm_14, x, w, r, b, lens, h0, c0, p, **kw)
    for a, c in zip(e, g):
        np.testing.assert_array_equal(a, c)


@pytest.mark.parametrize("linear_before_reset", [0, 1])
@pytest.mark.parametrize("direction", ["forward", "reverse", "bidirectional"])
def test_gru_against_onnxruntime_and_numpy(direction, linear_before_reset):
    from refrt.kernels.numba import op_gru as nb
    from refrt.kernels.numpy import op_gru as np_k

    nd = 2 if direction == "bidirectional" else 1
    x, w, r, b, h0, _ = rnn_arrays(3, nd=nd, seed=4)
    attrs = {"direction": direction, "hidden_size": 6, "linear_before_reset": linear_before_reset}
    model, feeds = rnn_model("GRU", x, w, r, b, h0=h0, attrs=attrs)
    sess = session(model)
    assert placed(sess) == {"GRU": "NumbaExecutionProvider"}
    assert_close(run_ort(model, feeds), sess.run(None, feeds))
    e, g = _call_both(np_k.gru_14, nb.gru_14, x, w, r, b, None, h0, _output_used=(True, True), **attrs)
    assert_close(e, g)


def test_gru_delegated_clip_equals_numpy_kernel():
    from refrt.kernels.numba import op_gru as nb
    from refrt.kernels.numpy import op_gru as np_k

    x, w, r, b, h0, _ = rnn_arrays(3, seed=5)
    e, g = _call_both(np_k.gru_7, nb.gru_7, x, w, r, b, None, h0, clip=0.3, hidden_size=6,
                      _output_used=(True, True))
    for a, c in zip(e, g):
        np.testing.assert_array_equal(a, c)


@pytest.mark.parametrize("direction", ["forward", "reverse", "bidirectional"])
def test_rnn_against_onnxruntime_and_numpy(direction):
    from refrt.kernels.numba import op_rnn as nb
    from refrt.kernels.numpy import op_rnn as np_k

    nd = 2 if direction == "bidirectional" else 1
    x, w, r, b, h0, _ = rnn_arrays(1, nd=nd, seed=6)
    model, feeds = rnn_model("RNN", x, w, r, b, h0=h0, attrs={"direction": direction, "hidden_size": 6})
    sess = session(model)
    assert placed(sess) == {"RNN": "NumbaExecutionProvider"}
    assert_close(run_ort(model, feeds), sess.run(None, feeds))
    e, g = _call_both(np_k.rnn_14, nb.rnn_14, x, w, r, b, None, h0, direction=direction, hidden_size=6,
                      _output_used=(True, True))
    assert_close(e, g)
    # delegated: Relu
    e, g = _call_both(np_k.rnn_14, nb.rnn_14, x, w, r, b, None, h0, direction=direction, hidden_size=6,
                      activations=["Relu"] * nd, _output_used=(True, True))
    for a, c in zip(e, g):
        np.testing.assert_array_equal(a, c)


# -- tree ensembles ------------------------------------------------------------------------------

def _sklearn(kind):
    pytest.importorskip("sklearn")
    pytest.importorskip("skl2onnx")
    from skl2onnx import to_onnx
    from sklearn.datasets import make_classification, make_regression
    from sklearn.ensemble import GradientBoostingClassifier, GradientBoostingRegressor, RandomForestClassifier
    from sklearn.ensemble import RandomForestRegressor

    if kind.endswith("regressor") or kind == "gb_regressor":
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


@pytest.mark.parametrize("rows", [1, 300])
@pytest.mark.parametrize("kind", ["rf_binary", "rf_multi", "gb_multi", "gb_regressor", "rf2_regressor"])
def test_sklearn_trees_exact_against_numpy_and_close_to_onnxruntime(kind, rows):
    model, x = _sklearn(kind)
    feeds = {model.graph.input[0].name: np.random.default_rng(1).standard_normal((rows, x.shape[1])).astype(
        np.float32) * x.std(axis=0)}
    sess = session(model)
    op = next(n.op_type for n in model.graph.node if n.op_type.startswith("TreeEnsemble"))
    assert placed(sess)[op] == "NumbaExecutionProvider"
    got = sess.run(None, feeds)
    reference = session(model, ["CPUExecutionProvider"]).run(None, feeds)
    for e, g in zip(reference, got):
        np.testing.assert_array_equal(g, e)  # the same sums in the same order
    for e, g in zip(run_ort(model, feeds), got):
        if e.dtype.kind in "iu":
            np.testing.assert_array_equal(g, e)
        else:
            np.testing.assert_allclose(g, e, rtol=RTOL, atol=ATOL)


def _tree_model(op, modes, x, *, missing=(0, 0, 0), aggregate=None, dtype=np.float32):
    """Two trees of depth 2 on 2 features; weights for two targets/classes."""
    nodes = dict(nodes_treeids=[0] * 5 + [1] * 5, nodes_nodeids=[0, 1, 2, 3, 4] * 2,
                 nodes_featureids=[0, 1, 0, 0, 0, 1, 0, 0, 0, 0],  # tree 1: node 0 -> leaf 1 | node 3 -> leaves 2, 4
                 nodes_modes=[modes[0], modes[1], "LEAF", "LEAF", "LEAF", modes[2], "LEAF", "LEAF", modes[1], "LEAF"],
                 nodes_values=[0.25, -0.5, 0, 0, 0, 0.0, 0, 0, 1.0, 0],
                 nodes_truenodeids=[1, 2, 0, 0, 0, 1, 0, 0, 2, 0], nodes_falsenodeids=[4, 3, 0, 0, 0, 3, 0, 0, 4, 0],
                 nodes_missing_value_tracks_true=[missing[0], missing[1], 0, 0, 0, missing[2], 0, 0, 0, 0])
    leaves = [(0, 2), (0, 3), (0, 4), (1, 1), (1, 2), (1, 4)]
    prefix = "class" if op == "TreeEnsembleClassifier" else "target"
    w = {f"{prefix}_treeids": [t for t, _ in leaves] * 2, f"{prefix}_nodeids": [n for _, n in leaves] * 2,
         f"{prefix}_ids": [0] * 6 + [1] * 6, f"{prefix}_weights": [0.5, -1.25, 2.0, 0.75, 0.1, -0.3,
                                                                   1.5, 0.25, -2.0, 0.3, 0.9, 0.6]}
    if op == "TreeEnsembleClassifier":
        attrs = dict(nodes, **w, classlabels_int64s=[7, 9])
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
    ("TreeEnsembleRegressor", ("BRANCH_LEQ", "BRANCH_GT", "BRANCH_GTE"), (0, 1, 0), "MIN"),  # compiled walk only
    ("TreeEnsembleRegressor", ("BRANCH_EQ", "BRANCH_NEQ", "BRANCH_LEQ"), (1, 0, 0), "SUM"),  # NumPy walk
    ("TreeEnsembleClassifier", ("BRANCH_NEQ", "BRANCH_LEQ", "BRANCH_EQ"), (0, 1, 0), None),  # NumPy walk
], ids=["clf-leq", "clf-missing", "reg-avg", "reg-min", "reg-eq", "clf-neq"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_modes_and_nans_exact_against_numpy_and_onnxruntime(case, rows, dtype):
    op, modes, missing, aggregate = case
    x = _x_with_nans(rows, dtype)
    model = _tree_model(op, modes, x, missing=missing, aggregate=aggregate, dtype=dtype)
    sess = session(model)
    assert placed(sess)[op] == "NumbaExecutionProvider"
    got = sess.run(None, {"X": x})
    for e, g in zip(session(model, ["CPUExecutionProvider"]).run(None, {"X": x}), got):
        np.testing.assert_array_equal(g, e)
    if dtype == np.float32:  # onnxruntime has no double regressor here in every build: float only
        for e, g in zip(run_ort(model, {"X": x}), got):
            np.testing.assert_allclose(g, e, rtol=RTOL, atol=ATOL)


def test_compiled_leaves_equal_numpy_walk():
    from refrt.kernels.numba._trees import CompiledForest
    from refrt.kernels.numpy import op_tree_ensemble_regressor as np_k
    from refrt.kernels.numpy._tree_util import Forest

    model = _tree_model("TreeEnsembleRegressor", ("BRANCH_LT", "BRANCH_GT", "BRANCH_GTE"), None, missing=(1, 0, 1))
    attrs = {a.name: helper.get_attribute_value(a) for a in model.graph.node[0].attribute}
    attrs = {k: v.decode() if isinstance(v, bytes) else [s.decode() for s in v]
             if isinstance(v, list) and v and isinstance(v[0], bytes) else v for k, v in attrs.items()}
    run = np_k.tree_ensemble_regressor_3(**attrs)
    forest = dict(zip(run.__code__.co_freevars, (c.cell_contents for c in run.__closure__)))["forest"]
    x = _x_with_nans(1000)
    cf = CompiledForest.build(forest, np.float32)
    np.testing.assert_array_equal(cf.leaves(x), Forest.leaves(forest, x))
    with pytest.raises(ValueError):
        cf.leaves(x[:, :1])  # a node reads feature 1
