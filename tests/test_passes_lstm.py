"""LSTM weight packing (ORT_ENABLE_ALL, pass prepack_weights): an LSTM with the default cell and constant
weights becomes refrt PackedLSTM; results agree with the node as written and with onnxruntime, and
LSTMs the packed kernel does not cover are left alone."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

import refrt
from oracle import assert_same, run_ort

LEVEL = refrt.GraphOptimizationLevel
RNG = np.random.default_rng(3)
T, B, I, H = 5, 2, 3, 4


def lstm_model(*, direction="forward", bias=True, initial=False, layout=0, extra_attrs=None, outputs=(1, 1, 1),
               seq_lens=False, dtype=np.float32):
    nd = 2 if direction == "bidirectional" else 1
    elem = helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
    inits = [numpy_helper.from_array(RNG.standard_normal((nd, 4 * H, I)).astype(dtype), "W"),
             numpy_helper.from_array(RNG.standard_normal((nd, 4 * H, H)).astype(dtype), "R")]
    ins = ["x", "W", "R", "", "", "", ""]
    if bias:
        inits.append(numpy_helper.from_array(RNG.standard_normal((nd, 8 * H)).astype(dtype), "B"))
        ins[3] = "B"
    x_shape = [B, T, I] if layout else [T, B, I]
    state = [B, nd, H] if layout else [nd, B, H]
    inputs = [helper.make_tensor_value_info("x", elem, x_shape)]
    if seq_lens:
        ins[4] = "lens"
        inputs.append(helper.make_tensor_value_info("lens", TensorProto.INT32, [B]))
    if initial:
        ins[5], ins[6] = "h0", "c0"
        inputs += [helper.make_tensor_value_info(n, elem, state) for n in ("h0", "c0")]
    while not ins[-1]:
        ins.pop()
    names = [n if keep else "" for n, keep in zip(("y", "y_h", "y_c"), outputs)]
    node = helper.make_node("LSTM", ins, names, hidden_size=H, direction=direction, layout=layout,
                            **(extra_attrs or {}))
    outs = [helper.make_tensor_value_info(n, elem, None) for n in names if n]
    graph = helper.make_graph([node], "lstm", inputs, outs, inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)], ir_version=8)


def feeds_for(m, layout=0, dtype=np.float32):
    feeds = {}
    for vi in m.graph.input:
        shape = [d.dim_value for d in vi.type.tensor_type.shape.dim]
        if vi.name == "lens":
            feeds["lens"] = np.array([T, T - 2], np.int32)
        else:
            feeds[vi.name] = RNG.standard_normal(shape).astype(dtype)
    return feeds


def run_at(m, feeds, level):
    so = refrt.SessionOptions()
    so.graph_optimization_level = level
    sess = refrt.InferenceSession(m.SerializeToString(), so)
    return sess, sess.run(None, feeds)


@pytest.mark.parametrize("direction", ["forward", "reverse", "bidirectional"])
@pytest.mark.parametrize("layout", [0, 1])
@pytest.mark.parametrize("bias,initial", [(True, False), (False, True), (True, True)])
def test_lstm_with_constant_weights_is_packed_and_agrees(direction, layout, bias, initial):
    m = lstm_model(direction=direction, bias=bias, initial=initial, layout=layout)
    feeds = feeds_for(m)
    _, written = run_at(m, feeds, LEVEL.ORT_DISABLE_ALL)
    sess, packed = run_at(m, feeds, LEVEL.ORT_ENABLE_ALL)
    assert Counter(n.op_type for n in sess._compiled.graph.nodes) == {"PackedLSTM": 1}
    assert_same(written, packed, rtol=1e-5, atol=1e-6)
    if layout == 0:  # onnxruntime refuses layout=1 ("Batchwise recurrent operations ... are not supported")
        assert_same(run_ort(m, feeds), packed, rtol=1e-4, atol=1e-5)


def test_packed_lstm_in_float64_and_with_only_y_h_read():
    m = lstm_model(direction="bidirectional", outputs=(0, 1, 0), dtype=np.float64)
    feeds = feeds_for(m, dtype=np.float64)
    _, written = run_at(m, feeds, LEVEL.ORT_DISABLE_ALL)
    sess, packed = run_at(m, feeds, LEVEL.ORT_ENABLE_ALL)
    assert [n.op_type for n in sess._compiled.graph.nodes] == ["PackedLSTM"]
    assert_same(written, packed, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("case", [
    dict(extra_attrs={"clip": 1.5}),
    dict(extra_attrs={"input_forget": 1}),
    dict(extra_attrs={"activations": ["Sigmoid", "Relu", "Tanh"]}),
    dict(seq_lens=True),
])
def test_lstm_outside_the_packed_cell_is_left_alone(case):
    m = lstm_model(**case)
    feeds = feeds_for(m)
    _, written = run_at(m, feeds, LEVEL.ORT_DISABLE_ALL)
    sess, optimized = run_at(m, feeds, LEVEL.ORT_ENABLE_ALL)
    assert [n.op_type for n in sess._compiled.graph.nodes] == ["LSTM"]
    assert_same(written, optimized, rtol=1e-6, atol=1e-6)


def test_lstm_with_weights_fed_at_run_time_is_left_alone():
    m = lstm_model()
    w = m.graph.initializer.pop(0)
    m.graph.input.append(helper.make_tensor_value_info("W", TensorProto.FLOAT, list(w.dims)))
    feeds = feeds_for(m)
    feeds["W"] = numpy_helper.to_array(w)
    sess, got = run_at(m, feeds, LEVEL.ORT_ENABLE_ALL)
    assert [n.op_type for n in sess._compiled.graph.nodes] == ["LSTM"]
    assert_same(run_ort(m, feeds), got, rtol=1e-4, atol=1e-5)


def test_saved_model_with_packed_lstm_reloads(tmp_path):
    m = lstm_model(direction="bidirectional", initial=True)
    feeds = feeds_for(m)
    so = refrt.SessionOptions()
    so.optimized_model_filepath = str(tmp_path / "opt.onnx")
    expected = refrt.InferenceSession(m.SerializeToString(), so).run(None, feeds)
    reloaded = refrt.InferenceSession(str(tmp_path / "opt.onnx"))
    assert_same(expected, reloaded.run(None, feeds), rtol=1e-6, atol=1e-6)
