"""Recurrent and attention kernels agree with onnxruntime, one node at a time.

onnxruntime has no batch-major recurrences (layout=1) and no RNN/GRU/LSTM before opset 7: those
cases compare with onnxruntime on the equivalent node it can run (the same data transposed, or the
same node at opset 7). Where onnxruntime lacks an op altogether the expectation is computed by hand
in NumPy, and the test says so.
"""

from __future__ import annotations

import numpy as np
import pytest
from onnx import helper

from oracle import assert_same, check_model, check_node, feeds_of, make_model, make_node_model, run_ort, run_refrt

RNG = np.random.default_rng(2024)


def rand(*shape, dtype=np.float32, scale=1.0):
    return (scale * RNG.standard_normal(shape)).astype(dtype)


# ----------------------------------------------------------------------------------------------
# RNN, GRU, LSTM

GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}
OUTPUTS = {"RNN": 2, "GRU": 2, "LSTM": 3}
T, B, I, H = 5, 3, 4, 6


def recurrent_inputs(op, direction, *, seq=None, bias=True, initial=True, peepholes=True, dtype=np.float32):
    nd = 2 if direction == "bidirectional" else 1
    g = GATES[op]
    inputs = {
        "X": rand(T, B, I, dtype=dtype),
        "W": rand(nd, g * H, I, dtype=dtype, scale=0.5),
        "R": rand(nd, g * H, H, dtype=dtype, scale=0.5),
        "B": rand(nd, 2 * g * H, dtype=dtype) if bias else None,
        "sequence_lens": seq,
        "initial_h": rand(nd, B, H, dtype=dtype) if initial else None,
    }
    if op == "LSTM":
        inputs["initial_c"] = rand(nd, B, H, dtype=dtype) if initial else None
        inputs["P"] = rand(nd, 3 * H, dtype=dtype) if peepholes else None
    return inputs


SEQ_LENS = [None, np.array([5, 5, 5], np.int32), np.array([5, 2, 0], np.int32), np.array([3, 5, 1], np.int32)]


@pytest.mark.parametrize("op", ["RNN", "GRU", "LSTM"])
@pytest.mark.parametrize("direction", ["forward", "reverse", "bidirectional"])
@pytest.mark.parametrize("seq", range(len(SEQ_LENS)), ids=["no_lens", "full", "with_zero", "ragged"])
def test_recurrent_directions_and_lengths(op, direction, seq):
    inputs = recurrent_inputs(op, direction, seq=SEQ_LENS[seq])
    check_node(op, inputs, {"direction": direction, "hidden_size": H}, opset=14, n_outputs=OUTPUTS[op],
               rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("op", ["RNN", "GRU", "LSTM"])
def test_recurrent_defaults_without_optional_inputs(op):
    inputs = recurrent_inputs(op, "forward", bias=False, initial=False, peepholes=False)
    check_node(op, inputs, {"hidden_size": H}, opset=22, n_outputs=OUTPUTS[op], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("op", ["RNN", "GRU", "LSTM"])
def test_recurrent_y_only_and_final_state_only(op):
    inputs = recurrent_inputs(op, "bidirectional")
    model = make_node_model(op, inputs, {"direction": "bidirectional", "hidden_size": H}, opset=14, n_outputs=1)
    check_model(model, feeds_of(inputs), rtol=1e-4, atol=1e-5)
    node = model.graph.node[0]
    node.output[:] = ["", "out1"]
    model = make_model([node], inputs, ["out1"], opset=14)
    check_model(model, feeds_of(inputs), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("op", ["RNN", "GRU", "LSTM"])
def test_recurrent_clip(op):
    attrs = {"direction": "bidirectional", "clip": 0.7, "hidden_size": H}
    inputs = recurrent_inputs(op, "bidirectional", seq=SEQ_LENS[3])
    check_node(op, inputs, attrs, opset=14, n_outputs=OUTPUTS[op], rtol=1e-4, atol=1e-5)


ACTIVATION_CASES = [
    ("RNN", "forward", ["Relu"], None, None),
    ("RNN", "forward", ["Affine"], [0.5], [2.0]),
    ("RNN", "bidirectional", ["LeakyRelu", "Affine"], [0.3, 0.6], [0.2]),
    ("RNN", "bidirectional", ["Elu", "ThresholdedRelu"], [0.7, 0.1], None),
    ("RNN", "forward", ["Affine"], None, None),  # onnxruntime: missing Affine parameters are 0
    ("GRU", "forward", ["HardSigmoid", "ScaledTanh"], [0.3, 0.8], [0.4, 1.5]),
    ("GRU", "bidirectional", ["Sigmoid", "Softsign", "HardSigmoid", "Tanh"], [0.25], [0.6]),
    ("GRU", "reverse", ["sigmoid", "relu"], None, None),  # names are not case sensitive
    ("LSTM", "forward", ["HardSigmoid", "Softsign", "Softplus"], None, None),
    ("LSTM", "bidirectional", ["Sigmoid", "Tanh", "Affine", "Sigmoid", "ScaledTanh", "Tanh"], [0.5, 0.9], [0.1, 1.2]),
]


@pytest.mark.parametrize("op, direction, acts, alpha, beta", ACTIVATION_CASES,
                         ids=[f"{c[0]}-{'-'.join(c[2])}" for c in ACTIVATION_CASES])
def test_recurrent_activations(op, direction, acts, alpha, beta):
    attrs = {"direction": direction, "activations": acts, "hidden_size": H}
    if alpha is not None:
        attrs["activation_alpha"] = alpha
    if beta is not None:
        attrs["activation_beta"] = beta
    inputs = recurrent_inputs(op, direction, seq=SEQ_LENS[3])
    check_node(op, inputs, attrs, opset=14, n_outputs=OUTPUTS[op], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("direction", ["forward", "bidirectional"])
def test_gru_linear_before_reset(direction):
    inputs = recurrent_inputs("GRU", direction, seq=SEQ_LENS[2])
    attrs = {"direction": direction, "linear_before_reset": 1, "hidden_size": H}
    check_node("GRU", inputs, attrs, opset=7, n_outputs=2, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("direction", ["forward", "reverse"])
def test_lstm_input_forget(direction):
    inputs = recurrent_inputs("LSTM", direction, seq=SEQ_LENS[3])
    check_node("LSTM", inputs, {"direction": direction, "input_forget": 1, "hidden_size": H}, opset=7, n_outputs=3,
               rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("op", ["RNN", "GRU", "LSTM"])
@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-5), (np.float16, 1e-2)], ids=["float64", "float16"])
def test_recurrent_other_float_types(op, dtype, tol):
    # onnxruntime's CPU recurrences are float32 only: its float32 result, cast, is the expectation.
    inputs = recurrent_inputs(op, "bidirectional", seq=SEQ_LENS[3], dtype=dtype)
    attrs = {"direction": "bidirectional", "hidden_size": H}
    got = run_refrt(make_node_model(op, inputs, attrs, opset=14, n_outputs=OUTPUTS[op]), feeds_of(inputs))
    as32 = {k: (v.astype(np.float32) if v is not None and v.dtype == dtype else v) for k, v in inputs.items()}
    expected = run_ort(make_node_model(op, as32, attrs, opset=14, n_outputs=OUTPUTS[op]), feeds_of(as32))
    assert_same([e.astype(dtype) for e in expected], got, tol, tol)


def _batch_major(inputs):
    moved = dict(inputs)
    moved["X"] = np.ascontiguousarray(inputs["X"].transpose(1, 0, 2))
    for name in ("initial_h", "initial_c"):
        if inputs.get(name) is not None:
            moved[name] = np.ascontiguousarray(inputs[name].transpose(1, 0, 2))
    return moved


@pytest.mark.parametrize("op", ["RNN", "GRU", "LSTM"])
@pytest.mark.parametrize("direction", ["forward", "bidirectional"])
def test_recurrent_layout_1(op, direction):
    # onnxruntime refuses layout=1: its layout=0 outputs, moved to batch-major, are the expectation.
    inputs = recurrent_inputs(op, direction, seq=SEQ_LENS[3])
    attrs = {"direction": direction, "hidden_size": H}
    expected = run_ort(make_node_model(op, inputs, attrs, opset=14, n_outputs=OUTPUTS[op]), feeds_of(inputs))
    expected = [expected[0].transpose(2, 0, 1, 3)] + [s.transpose(1, 0, 2) for s in expected[1:]]
    batch_major = _batch_major(inputs)
    model = make_node_model(op, batch_major, {**attrs, "layout": 1}, opset=14, n_outputs=OUTPUTS[op])
    got = run_refrt(model, feeds_of(batch_major))
    assert_same(expected, got, 1e-4, 1e-5)


@pytest.mark.parametrize("op, attrs", [
    ("RNN", {"output_sequence": 1, "hidden_size": H}),
    ("GRU", {"direction": "reverse", "hidden_size": H}),  # GRU-1
    ("LSTM", {"direction": "bidirectional", "output_sequence": 0, "hidden_size": H}),
])
def test_recurrent_before_opset_7(op, attrs):
    # onnxruntime starts at opset 7; the earlier revisions compute the same (output_sequence only
    # said whether Y may be omitted), so the expectation is onnxruntime's opset-7 node.
    direction = attrs.get("direction", "forward")
    inputs = recurrent_inputs(op, direction, seq=SEQ_LENS[3])
    opset = 2 if op == "GRU" else 6
    got = run_refrt(make_node_model(op, inputs, attrs, opset=opset, n_outputs=OUTPUTS[op]), feeds_of(inputs))
    ort_attrs = {k: v for k, v in attrs.items() if k != "output_sequence"}
    expected = run_ort(make_node_model(op, inputs, ort_attrs, opset=7, n_outputs=OUTPUTS[op]), feeds_of(inputs))
    assert_same(expected, got, 1e-4, 1e-5)


def test_gru_3_linear_before_reset():
    inputs = recurrent_inputs("GRU", "forward")
    attrs = {"linear_before_reset": 1, "hidden_size": H}
    got = run_refrt(make_node_model("GRU", inputs, attrs, opset=3, n_outputs=2), feeds_of(inputs))
    expected = run_ort(make_node_model("GRU", inputs, attrs, opset=7, n_outputs=2), feeds_of(inputs))
    assert_same(expected, got, 1e-4, 1e-5)


def test_recurrent_bad_sequence_lens_raises():
    inputs = recurrent_inputs("GRU", "forward", seq=np.array([6, 1, 1], np.int32))
    with pytest.raises(Exception, match="sequence_lens"):
        run_refrt(make_node_model("GRU", inputs, {}, opset=14, n_outputs=2), feeds_of(inputs))


def test_recurrent_bad_direction_count_raises():
    inputs = recurrent_inputs("LSTM", "forward")
    with pytest.raises(Exception, match="direction"):
        run_refrt(make_node_model("LSTM", inputs, {"direction": "bidirectional"}, opset=14, n_outputs=3),
                  feeds_of(inputs))


# ----------------------------------------------------------------------------------------------
# Attention

AB, AHQ, AHKV, ASQ, ASKV, AD, ADV, APAST = 2, 4, 2, 3, 5, 8, 6, 2


def attention_inputs(*, three_d=False, gqa=False, mask=None, past=False, dtype=np.float32):
    hkv = AHKV if gqa else AHQ
    if three_d:
        inputs = {"Q": rand(AB, ASQ, AHQ * AD, dtype=dtype), "K": rand(AB, ASKV, hkv * AD, dtype=dtype),
                  "V": rand(AB, ASKV, hkv * ADV, dtype=dtype)}
        attrs = {"q_num_heads": AHQ, "kv_num_heads": hkv}
    else:
        inputs = {"Q": rand(AB, AHQ, ASQ, AD, dtype=dtype), "K": rand(AB, hkv, ASKV, AD, dtype=dtype),
                  "V": rand(AB, hkv, ASKV, ADV, dtype=dtype)}
        attrs = {}
    total = ASKV + (APAST if past else 0)
    masks = {
        None: None,
        "bool2d": RNG.random((ASQ, total)) > 0.3,
        "bool4d": RNG.random((AB, AHQ, ASQ, total)) > 0.3,
        "float4d": rand(AB, 1, ASQ, total, dtype=dtype),
        "float3d": rand(AHQ, ASQ, total, dtype=dtype),
    }
    inputs["attn_mask"] = masks[mask]
    inputs["past_key"] = rand(AB, hkv, APAST, AD, dtype=dtype) if past else None
    inputs["past_value"] = rand(AB, hkv, APAST, ADV, dtype=dtype) if past else None
    return inputs, attrs


@pytest.mark.parametrize("three_d", [False, True], ids=["4d", "3d"])
@pytest.mark.parametrize("gqa", [False, True], ids=["mha", "gqa"])
@pytest.mark.parametrize("mask", [None, "bool2d", "bool4d", "float4d", "float3d"])
@pytest.mark.parametrize("causal", [0, 1])
@pytest.mark.parametrize("past", [False, True], ids=["no_cache", "cache"])
def test_attention_23(three_d, gqa, mask, causal, past):
    inputs, attrs = attention_inputs(three_d=three_d, gqa=gqa, mask=mask, past=past)
    check_node("Attention", inputs, {**attrs, "is_causal": causal}, opset=23, n_outputs=3, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("mode, softcap", [(0, 0.0), (0, 2.0), (1, 2.0), (3, 0.0), (3, 1.5)])
@pytest.mark.parametrize("gqa", [False, True], ids=["mha", "gqa"])
def test_attention_qk_matmul_output(mode, softcap, gqa):
    inputs, attrs = attention_inputs(gqa=gqa, mask="float4d", past=True)
    attrs = {**attrs, "is_causal": 1, "qk_matmul_output_mode": mode, "softcap": softcap, "scale": 0.3}
    check_node("Attention", inputs, attrs, opset=23, n_outputs=4, rtol=1e-4, atol=1e-5)


def test_attention_qk_matmul_output_with_bias_by_hand():
    # Mode 2 (product + softcap + bias): onnxruntime writes the lowest float where the bias is -inf;
    # the spec's bias is -inf, so the expectation is computed here.
    inputs, _ = attention_inputs(mask="bool2d")
    attrs = {"qk_matmul_output_mode": 2, "softcap": 3.0, "is_causal": 1}
    model = make_node_model("Attention", inputs, attrs, opset=23, n_outputs=4)
    got = run_refrt(model, feeds_of(inputs))
    q, k = inputs["Q"], inputs["K"]
    root = np.float32(np.sqrt(1 / np.sqrt(AD)))
    qk = (q * root) @ np.swapaxes(k * root, -1, -2)
    qk = np.tanh(qk / np.float32(3.0)) * np.float32(3.0)
    allowed = inputs["attn_mask"] & np.tri(ASQ, ASKV, dtype=bool)
    expected = np.where(allowed, qk, -np.inf).astype(np.float32)
    np.testing.assert_allclose(got[3], expected, rtol=1e-5, atol=1e-6)
    # Y and the caches still agree with onnxruntime.
    assert_same(run_ort(model, feeds_of(inputs))[:3], got[:3], 1e-4, 1e-5)


@pytest.mark.parametrize("precision", [1, 11])
def test_attention_softmax_precision(precision):
    inputs, attrs = attention_inputs(mask="float4d", gqa=True)
    check_node("Attention", inputs, {**attrs, "softmax_precision": precision}, opset=23, rtol=1e-4, atol=1e-5)


def test_attention_float16():
    # refrt rounds after every step as onnx's reference does; onnxruntime computes in float32:
    # the two differ by an ulp here and there.
    inputs, attrs = attention_inputs(mask="float4d", gqa=True, past=True, dtype=np.float16)
    check_node("Attention", inputs, {**attrs, "is_causal": 1}, opset=23, n_outputs=3, rtol=5e-3, atol=5e-3)


def test_attention_short_mask_is_padded():
    # A mask narrower than the keys is padded with "forbidden"; onnxruntime refuses such a mask, so
    # its answer for the explicitly padded mask is the expectation.
    inputs, attrs = attention_inputs(mask="float4d", past=True)
    short = dict(inputs, attn_mask=np.ascontiguousarray(inputs["attn_mask"][..., :-2]))
    got = run_refrt(make_node_model("Attention", short, attrs, opset=23, n_outputs=3), feeds_of(short))
    padded = inputs["attn_mask"].copy()
    padded[..., -2:] = -np.inf
    full = dict(inputs, attn_mask=padded)
    expected = run_ort(make_node_model("Attention", full, attrs, opset=23, n_outputs=3), feeds_of(full))
    assert_same(expected, got, 1e-4, 1e-5)


def test_attention_fully_masked_rows_are_zero():
    inputs, attrs = attention_inputs(mask="bool2d")
    inputs["attn_mask"][1] = False
    got = check_node("Attention", inputs, {"qk_matmul_output_mode": 3}, opset=23, n_outputs=4, rtol=1e-4, atol=1e-5)
    assert not np.isnan(got[0]).any() and np.all(got[0][:, :, 1] == 0) and np.all(got[3][:, :, 1] == 0)


@pytest.mark.parametrize("causal", [0, 1])
@pytest.mark.parametrize("mask", [None, "bool4d", "float4d"])
def test_attention_24_nonpad_kv_seqlen(causal, mask):
    inputs, attrs = attention_inputs(mask=mask, gqa=True)
    inputs["nonpad_kv_seqlen"] = np.array([3, 5], np.int64)
    check_node("Attention", inputs, {**attrs, "is_causal": causal}, opset=24, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("left, right, causal", [(2, -1, 0), (1, 1, 0), (0, 2, 0), (2, 0, 1), (-1, 0, 1), (1, -1, 1)])
@pytest.mark.parametrize("nonpad", [False, True])
def test_attention_25_sliding_window(left, right, causal, nonpad):
    inputs, attrs = attention_inputs(mask="float4d", gqa=True)
    inputs["nonpad_kv_seqlen"] = np.array([4, 5], np.int64) if nonpad else None
    attrs = {**attrs, "is_causal": causal, "left_window_size": left, "right_window_size": right}
    check_node("Attention", inputs, attrs, opset=25, rtol=1e-4, atol=1e-5)


def test_attention_25_refuses_head_counts_with_4d_inputs():
    inputs, _ = attention_inputs()
    model = make_node_model("Attention", inputs, {"q_num_heads": AHQ, "kv_num_heads": AHQ}, opset=25)
    with pytest.raises(Exception, match="4-D|4D"):
        run_refrt(model, feeds_of(inputs))


def test_attention_3d_without_head_counts_raises():
    inputs, _ = attention_inputs(three_d=True)
    with pytest.raises(Exception, match="q_num_heads"):
        run_refrt(make_node_model("Attention", inputs, {}, opset=23), feeds_of(inputs))


# ----------------------------------------------------------------------------------------------
# RotaryEmbedding, LinearAttention, CausalConvWithState, FlexAttention


@pytest.mark.parametrize("three_d", [False, True], ids=["4d", "3d"])
@pytest.mark.parametrize("interleaved", [0, 1])
@pytest.mark.parametrize("dim", [0, 4])
@pytest.mark.parametrize("with_ids", [False, True], ids=["caches", "position_ids"])
def test_rotary_embedding(three_d, interleaved, dim, with_ids):
    b, h, s, d = 2, 3, 5, 8
    half = (dim or d) // 2
    x = rand(b, s, h * d) if three_d else rand(b, h, s, d)
    if with_ids:
        inputs = {"X": x, "cos": rand(10, half), "sin": rand(10, half), "ids": RNG.integers(0, 10, (b, s))}
    else:
        inputs = {"X": x, "cos": rand(b, s, half), "sin": rand(b, s, half)}
    attrs = {"interleaved": interleaved, "rotary_embedding_dim": dim}
    if three_d:
        attrs["num_heads"] = h
    check_node("RotaryEmbedding", inputs, attrs, opset=23)


def test_rotary_embedding_float16():
    inputs = {"X": rand(1, 2, 4, 8, dtype=np.float16), "cos": rand(6, 4, dtype=np.float16),
              "sin": rand(6, 4, dtype=np.float16), "ids": np.array([[0, 2, 4, 5]])}
    check_node("RotaryEmbedding", inputs, {"interleaved": 1}, opset=23, rtol=1e-3, atol=1e-3)


LA_B, LA_T, LA_HQ, LA_DK, LA_DV = 2, 5, 4, 3, 4


@pytest.mark.parametrize("rule", ["linear", "gated", "delta", "gated_delta"])
@pytest.mark.parametrize("hkv", [4, 2, 1], ids=["mha", "gqa", "mqa"])
@pytest.mark.parametrize("past", [False, True], ids=["no_state", "state"])
def test_linear_attention(rule, hkv, past):
    inputs = {
        "query": rand(LA_B, LA_T, LA_HQ * LA_DK), "key": rand(LA_B, LA_T, hkv * LA_DK),
        "value": rand(LA_B, LA_T, hkv * LA_DV),
        "past_state": rand(LA_B, hkv, LA_DK, LA_DV) if past else None,
        # Per-head decay with a state, per-key-dimension decay without; beta per head or shared.
        "decay": -np.abs(rand(LA_B, LA_T, hkv if past else hkv * LA_DK, scale=0.3)) if "gated" in rule else None,
        "beta": RNG.uniform(0, 1, (LA_B, LA_T, 1 if past else hkv)).astype(np.float32) if "delta" in rule else None,
    }
    attrs = {"q_num_heads": LA_HQ, "kv_num_heads": hkv, "update_rule": rule}
    if past:
        attrs["scale"] = 0.7
    check_node("LinearAttention", inputs, attrs, opset=27, n_outputs=2, rtol=1e-4, atol=1e-5)


def test_linear_attention_float16_state():
    inputs = {"query": rand(1, 3, 4, dtype=np.float16), "key": rand(1, 3, 4, dtype=np.float16),
              "value": rand(1, 3, 4, dtype=np.float16), "past_state": rand(1, 2, 2, 2, dtype=np.float16),
              "decay": -np.abs(rand(1, 3, 2, dtype=np.float16)), "beta": np.full((1, 3, 2), 0.5, np.float16)}
    check_node("LinearAttention", inputs, {"q_num_heads": 2, "kv_num_heads": 2}, opset=27, n_outputs=2,
               rtol=2e-3, atol=2e-3)


def test_linear_attention_rule_needs_its_inputs():
    inputs = {"query": rand(1, 2, 4), "key": rand(1, 2, 4), "value": rand(1, 2, 4)}
    model = make_node_model("LinearAttention", inputs, {"q_num_heads": 1, "kv_num_heads": 1}, opset=27, n_outputs=2)
    with pytest.raises(Exception, match="decay"):
        run_refrt(model, feeds_of(inputs))


@pytest.mark.parametrize("activation", ["none", "silu", "swish"])
@pytest.mark.parametrize("k", [1, 3, 4])
@pytest.mark.parametrize("past, bias", [(False, False), (True, True), (True, False)])
def test_causal_conv_with_state(activation, k, past, bias):
    c = 3
    inputs = {"input": rand(2, c, 6), "weight": rand(c, 1, k), "bias": rand(c) if bias else None,
              "past_state": rand(2, c, k - 1) if past else None}
    check_node("CausalConvWithState", inputs, {"activation": activation}, opset=27, n_outputs=2, rtol=1e-5, atol=1e-5)


def test_causal_conv_with_state_float16():
    inputs = {"input": rand(1, 2, 5, dtype=np.float16), "weight": rand(2, 1, 3, dtype=np.float16),
              "bias": rand(2, dtype=np.float16), "past_state": rand(1, 2, 2, dtype=np.float16)}
    check_node("CausalConvWithState", inputs, {"activation": "silu"}, opset=27, n_outputs=2, rtol=1e-3, atol=1e-3)


def _flex_model(inputs, *, score_mod=None, prob_mod=None, scale=None):
    attrs = {k: v for k, v in (("score_mod", score_mod), ("prob_mod", prob_mod), ("scale", scale)) if v is not None}
    node = helper.make_node("FlexAttention", list(inputs), ["Y"], domain="ai.onnx.preview", **attrs)
    return make_model([node], inputs, ["Y"], opset=23, extra_opsets={"ai.onnx.preview": 1})


def _mod_graph(name, make_nodes):
    """A one-input, one-output float subgraph: make_nodes(input_name, output_name) -> nodes."""
    import onnx

    return helper.make_graph(make_nodes("s", "s_out"), name,
                             [helper.make_tensor_value_info("s", onnx.TensorProto.FLOAT, None)],
                             [helper.make_tensor_value_info("s_out", onnx.TensorProto.FLOAT, None)])


@pytest.mark.parametrize("gqa", [False, True], ids=["mha", "gqa"])
def test_flex_attention_matches_attention(gqa):
    # onnxruntime has no FlexAttention: without modifiers it is onnxruntime's Attention.
    inputs, _ = attention_inputs(gqa=gqa)
    inputs = {k: inputs[k] for k in ("Q", "K", "V")}
    got = run_refrt(_flex_model(inputs, scale=0.2), feeds_of(inputs))
    expected = run_ort(make_node_model("Attention", inputs, {"scale": 0.2}, opset=23), feeds_of(inputs))
    assert_same(expected, got, 1e-5, 1e-6)


def test_flex_attention_score_and_prob_mods():
    # A score_mod adding a causal -inf mask and a prob_mod doubling the probabilities make
    # 2 x onnxruntime's causal Attention.
    inputs, _ = attention_inputs(gqa=True)
    inputs = {k: inputs[k] for k in ("Q", "K", "V")}
    causal = np.where(np.tri(ASQ, ASKV, dtype=bool), 0, -np.inf).astype(np.float32)
    from onnx import numpy_helper

    score_mod = _mod_graph("score_mod", lambda i, o: [
        helper.make_node("Constant", [], ["m"], value=numpy_helper.from_array(causal)),
        helper.make_node("Add", [i, "m"], [o])])
    prob_mod = _mod_graph("prob_mod", lambda i, o: [helper.make_node("Add", [i, i], [o])])
    got = run_refrt(_flex_model(inputs, score_mod=score_mod, prob_mod=prob_mod), feeds_of(inputs))
    expected = run_ort(make_node_model("Attention", inputs, {"is_causal": 1}, opset=23), feeds_of(inputs))
    assert_same([2 * expected[0]], got, 1e-5, 1e-6)
