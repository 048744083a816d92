"""The Numba provider's recurrent kernels (LSTM, PackedLSTM, GRU, RNN); the tree ensembles' tests
are in test_numba_trees.py.

Against the NumPy kernel called directly and against onnxruntime through a
session with ["NumbaExecutionProvider", "CPUExecutionProvider"]; tolerance rtol 1e-5 / atol 1e-6
(float32 rounding: the compiled tanh is a rational approximation within a few ulp of NumPy's, and
the state runs through every step). Delegated cases (peepholes, clip, sequence_lens, float64,
custom activations) equal the NumPy kernel exactly. Every session test checks that the node ran
on the Numba provider.
"""

from __future__ import annotations

import numpy as np
import pytest
from onnx import helper, numpy_helper
from oracle import run_ort

import refrt
from refrt import registry

pytest.importorskip("numba")
# The NumPy kernels first, under the CPU provider, whatever order the sessions below discover the
# providers in (a Numba module importing a NumPy kernel module must not file it under Numba).
registry.discover("refrt.kernels.numpy", "CPUExecutionProvider")

NUMBA = ["NumbaExecutionProvider", "CPUExecutionProvider"]
RTOL, ATOL = 1e-5, 1e-6


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
