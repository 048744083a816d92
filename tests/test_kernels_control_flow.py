"""Control flow (Loop, Scan, If), sequences and optionals against onnxruntime."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto as T
from onnx import helper as h

import refrt
from oracle import _ir_version_for, assert_same, run_ort

F = T.FLOAT
I64 = T.INT64


def tensor(name, elem=F, shape=None):
    return h.make_tensor_value_info(name, elem, shape)


def seq(name, elem=F, shape=None):
    return h.make_tensor_sequence_value_info(name, elem, shape)


def opt(name, inner: onnx.TypeProto):
    return h.make_value_info(name, h.make_optional_type_proto(inner))


def tensor_type(elem=F, shape=None):
    return h.make_tensor_type_proto(elem, shape)


def seq_type(elem=F, shape=None):
    return h.make_sequence_type_proto(tensor_type(elem, shape))


def const(name, value):
    value = np.asarray(value)
    return h.make_node("Constant", [], [name], value=onnx.numpy_helper.from_array(value, name))


def model(nodes, inputs, outputs, *, opset, initializers=()):
    graph = h.make_graph(nodes, "test", inputs, outputs, list(initializers))
    m = h.make_model(graph, opset_imports=[h.make_opsetid("", opset)])
    m.ir_version = _ir_version_for(opset)
    return m


def run_refrt(m, feeds, *, fold=True):
    so = refrt.SessionOptions()
    if not fold:
        so.graph_optimization_level = refrt.GraphOptimizationLevel.ORT_DISABLE_ALL
    return refrt.InferenceSession(m.SerializeToString(), so, providers=["CPUExecutionProvider"]).run(None, feeds)


def same(expected, got, where="output"):
    """Tensors as oracle.assert_same compares them; sequences element by element; None for empty optionals."""
    if expected is None:
        assert got is None, f"{where}: expected an empty optional, got {type(got).__name__}"
    elif isinstance(expected, list):
        assert isinstance(got, list), f"{where}: expected a sequence, got {type(got).__name__}"
        assert len(got) == len(expected), f"{where}: sequence of {len(got)}, expected {len(expected)}"
        for i, (e, g) in enumerate(zip(expected, got)):
            same(e, g, f"{where}[{i}]")
    else:
        assert isinstance(got, np.ndarray), f"{where}: expected a tensor, got {type(got).__name__}"
        assert_same([expected], [got], rtol=1e-5, atol=1e-6)


def check(m, feeds, *, fold=True):
    expected = run_ort(m, feeds)
    got = run_refrt(m, feeds, fold=fold)
    assert len(got) == len(expected)
    for i, (e, g) in enumerate(zip(expected, got)):
        same(e, g, f"output {i}")
    return got


rng = np.random.default_rng(0)

# --------------------------------------------------------------------------------------------- Loop

LOOP_OPSETS = [11, 13, 16, 19, 21, 23, 24, 25]


def counting_body(*, iter_shape=(), stop_at=None, extra_nodes=(), extra_inputs=()):
    """Body: v_out = v + iter (as float), scan outputs = v_out and iter (a scalar per iteration);
    cond_out = iter < stop_at (or cond_in when stop_at is None)."""
    nodes = [
        h.make_node("Cast", ["i"], ["fi"], to=F),
        h.make_node("Add", ["v", "fi"], ["v_out"]),
        h.make_node("Identity", ["v_out"], ["s_v"]),
        h.make_node("Identity", ["i"], ["s_i"]),
    ]
    if stop_at is None:
        nodes.append(h.make_node("Identity", ["c"], ["c_out"]))
    else:
        nodes += [const("stop", np.array(stop_at, np.int64)), h.make_node("Less", ["i", "stop"], ["c_out"])]
    nodes += list(extra_nodes)
    return h.make_graph(
        nodes,
        "body",
        [tensor("i", I64, list(iter_shape)), tensor("c", T.BOOL, []), tensor("v", F, [2])],
        [tensor("c_out", T.BOOL, []), tensor("v_out", F, [2]), tensor("s_v", F, [2]), tensor("s_i", I64, list(iter_shape))],
    )


def loop_model(body, m_input="M", cond_input="cond", *, opset):
    inputs = [tensor("v0", F, [2])]
    if m_input:
        inputs.insert(0, tensor("M", I64, []))
    if cond_input:
        inputs.insert(1 if m_input else 0, tensor("cond", T.BOOL, []))
    node = h.make_node("Loop", [m_input, cond_input, "v0"], ["vf", "sv", "si"], body=body)
    return model([node], inputs, [tensor("vf", F, None), tensor("sv", F, None), tensor("si", I64, None)], opset=opset)


@pytest.mark.parametrize("opset", LOOP_OPSETS)
def test_loop_trip_count_and_condition(opset):
    v0 = np.array([1.0, -2.0], np.float32)
    m = loop_model(counting_body(stop_at=3), opset=opset)
    check(m, {"M": np.array(5, np.int64), "cond": np.array(True), "v0": v0})  # stops on cond after 4 trips
    check(m, {"M": np.array(2, np.int64), "cond": np.array(True), "v0": v0})  # stops on M


def test_loop_without_condition_input_is_a_for_loop():
    m = loop_model(counting_body(), cond_input="", opset=13)
    got = check(m, {"M": np.array(4, np.int64), "v0": np.zeros(2, np.float32)})
    np.testing.assert_array_equal(got[2], [0, 1, 2, 3])  # scalar scan outputs stack to shape [4]


def test_loop_without_condition_input_still_stops_on_the_body_condition():
    # The spec calls the body's condition "ignored" when the cond input is absent; onnxruntime
    # stops on it all the same, and refrt follows onnxruntime.
    m = loop_model(counting_body(stop_at=1), cond_input="", opset=13)
    got = check(m, {"M": np.array(5, np.int64), "v0": np.zeros(2, np.float32)})
    assert got[2].shape == (2,)


def test_loop_trip_count_of_shape_1():
    m = loop_model(counting_body(), opset=11)
    m.graph.input[0].CopyFrom(tensor("M", I64, [1]))
    check(m, {"M": np.array([3], np.int64), "cond": np.array(True), "v0": np.ones(2, np.float32)})


def test_loop_without_trip_count_is_a_while_loop():
    m = loop_model(counting_body(stop_at=6), m_input="", opset=13)
    got = check(m, {"cond": np.array(True), "v0": np.zeros(2, np.float32)})
    assert got[1].shape == (7, 2)


def test_loop_false_condition_runs_no_iteration():
    m = loop_model(counting_body(), opset=13)
    got = check(m, {"M": np.array(3, np.int64), "cond": np.array(False), "v0": np.ones(2, np.float32)})
    assert got[1].shape == (0, 2) and got[2].shape == (0,)  # empty scan outputs keep the body's dims


def test_loop_zero_trip_count():
    m = loop_model(counting_body(iter_shape=[1]), opset=13)
    got = check(m, {"M": np.array(0, np.int64), "cond": np.array(True), "v0": np.ones(2, np.float32)})
    assert got[2].shape == (0, 1)


def test_loop_iteration_number_of_declared_shape_1():
    m = loop_model(counting_body(iter_shape=[1]), opset=13)
    got = check(m, {"M": np.array(3, np.int64), "cond": np.array(True), "v0": np.ones(2, np.float32)})
    assert got[2].shape == (3, 1)


def test_loop_body_reads_outer_scope_values():
    # The body adds `bias`, a graph input of the outer graph, and `w`, an outer initializer.
    body = counting_body(extra_nodes=[h.make_node("Mul", ["bias", "w"], ["unused"])])
    body.node[1].input[1] = "bias"  # v_out = v + bias
    body.node.append(h.make_node("Add", ["s_v_raw", "w"], ["s_v"]))
    body.node[2].output[0] = "s_v_raw"
    m = loop_model(body, opset=16)
    m.graph.input.append(tensor("bias", F, [2]))
    m.graph.initializer.append(onnx.numpy_helper.from_array(np.array([10.0, 20.0], np.float32), "w"))
    check(m, {"M": np.array(3, np.int64), "cond": np.array(True), "v0": np.ones(2, np.float32), "bias": np.array([0.5, 1.5], np.float32)})


def test_loop_carried_value_changes_shape():
    # v grows by one element each iteration: Concat(v, iter).
    body = h.make_graph(
        [
            h.make_node("Identity", ["c"], ["c_out"]),
            h.make_node("Unsqueeze", ["i", "zero"], ["i1"]),
            h.make_node("Concat", ["v", "i1"], ["v_out"], axis=0),
            const("zero", np.array([0], np.int64)),
        ],
        "body",
        [tensor("i", I64, []), tensor("c", T.BOOL, []), tensor("v", I64, None)],
        [tensor("c_out", T.BOOL, []), tensor("v_out", I64, None)],
    )
    body.node.insert(0, body.node.pop())  # constant first
    node = h.make_node("Loop", ["M", "", "v0"], ["vf"], body=body)
    m = model([node], [tensor("M", I64, []), tensor("v0", I64, [1])], [tensor("vf", I64, None)], opset=13)
    got = check(m, {"M": np.array(4, np.int64), "v0": np.array([7], np.int64)})
    np.testing.assert_array_equal(got[0], [7, 0, 1, 2, 3])


def test_loop_sequence_carried_value():
    body = h.make_graph(
        [
            h.make_node("Identity", ["c"], ["c_out"]),
            h.make_node("Cast", ["i"], ["fi"], to=F),
            h.make_node("Mul", ["x", "fi"], ["xi"]),
            h.make_node("SequenceInsert", ["s", "xi"], ["s_out"]),
        ],
        "body",
        [tensor("i", I64, []), tensor("c", T.BOOL, []), seq("s", F, None)],
        [tensor("c_out", T.BOOL, []), seq("s_out", F, None)],
    )
    node = h.make_node("Loop", ["M", "", "s0"], ["sf"], body=body)
    m = model([node], [tensor("M", I64, []), tensor("x", F, [3]), seq("s0", F, None)], [seq("sf", F, None)], opset=13)
    x = np.arange(3, dtype=np.float32)
    check(m, {"M": np.array(3, np.int64), "x": x, "s0": [np.ones(2, np.float32)]})


def test_loop_optional_carried_value():
    # The optional starts empty; the body fills it with the iteration number.
    body = h.make_graph(
        [
            h.make_node("Identity", ["c"], ["c_out"]),
            h.make_node("OptionalHasElement", ["o"], ["had"]),
            h.make_node("Cast", ["had"], ["had_i"], to=I64),
            h.make_node("Add", ["i", "had_i"], ["val"]),
            h.make_node("Optional", ["val"], ["o_out"]),
            h.make_node("Identity", ["had"], ["s_had"]),
        ],
        "body",
        [tensor("i", I64, []), tensor("c", T.BOOL, []), opt("o", tensor_type(I64, []))],
        [tensor("c_out", T.BOOL, []), opt("o_out", tensor_type(I64, [])), tensor("s_had", T.BOOL, [])],
    )
    nodes = [
        h.make_node("Optional", [], ["o0"], type=tensor_type(I64, [])),
        h.make_node("Loop", ["M", "", "o0"], ["of", "had_each"], body=body),
        h.make_node("OptionalGetElement", ["of"], ["value"]),
    ]
    m = model(nodes, [tensor("M", I64, [])], [tensor("value", I64, None), tensor("had_each", T.BOOL, None)], opset=16)
    got = check(m, {"M": np.array(3, np.int64)})
    np.testing.assert_array_equal(got[1], [False, True, True])


def test_loop_scan_outputs_must_keep_their_shape():
    body = h.make_graph(
        [
            h.make_node("Identity", ["c"], ["c_out"]),
            h.make_node("Add", ["i", "one"], ["n"]),
            h.make_node("Unsqueeze", ["n", "zero"], ["n1"]),
            h.make_node("ConstantOfShape", ["n1"], ["grow"], value=h.make_tensor("v", F, [1], [1.0])),
        ],
        "body",
        [tensor("i", I64, []), tensor("c", T.BOOL, [])],
        [tensor("c_out", T.BOOL, []), tensor("grow", F, None)],
    )
    body.node.insert(0, const("zero", np.array([0], np.int64)))
    body.node.insert(0, const("one", np.array(1, np.int64)))
    node = h.make_node("Loop", ["M", ""], ["out"], body=body)
    m = model([node], [tensor("M", I64, [])], [tensor("out", F, None)], opset=13)
    with pytest.raises(Exception, match="changes across iterations"):
        run_refrt(m, {"M": np.array(3, np.int64)})


def test_nested_loops_see_both_scopes():
    inner = h.make_graph(
        [
            h.make_node("Identity", ["ci"], ["ci_out"]),
            h.make_node("Mul", ["j", "outer_i"], ["p"]),
            h.make_node("Add", ["p", "base"], ["s"]),
        ],
        "inner",
        [tensor("j", I64, []), tensor("ci", T.BOOL, [])],
        [tensor("ci_out", T.BOOL, []), tensor("s", I64, [])],
    )
    outer = h.make_graph(
        [
            h.make_node("Identity", ["c"], ["c_out"]),
            h.make_node("Identity", ["i"], ["outer_i"]),
            h.make_node("Loop", ["N", ""], ["row"], body=inner),
        ],
        "outer",
        [tensor("i", I64, []), tensor("c", T.BOOL, [])],
        [tensor("c_out", T.BOOL, []), tensor("row", I64, None)],
    )
    node = h.make_node("Loop", ["M", ""], ["table"], body=outer)
    m = model([node], [tensor("M", I64, []), tensor("N", I64, []), tensor("base", I64, [])], [tensor("table", I64, None)], opset=13)
    got = check(m, {"M": np.array(3, np.int64), "N": np.array(4, np.int64), "base": np.array(100, np.int64)})
    np.testing.assert_array_equal(got[0], 100 + np.outer(np.arange(3), np.arange(4)))


# --------------------------------------------------------------------------------------------- Scan

SCAN_OPSETS = [9, 11, 16, 19, 21, 23, 24, 25]


def sum_body(state_shape, slice_shape, elem=F):
    """Body: state_out = state + x, scan output = state_out * 2 and x (as given)."""
    return h.make_graph(
        [
            h.make_node("Add", ["st", "x"], ["st_out"]),
            h.make_node("Add", ["st_out", "st_out"], ["y"]),
            h.make_node("Identity", ["x"], ["x_out"]),
        ],
        "body",
        [tensor("st", elem, state_shape), tensor("x", elem, slice_shape)],
        [tensor("st_out", elem, state_shape), tensor("y", elem, state_shape), tensor("x_out", elem, slice_shape)],
    )


def scan_model(body, x_shape, state_shape, *, opset, elem=F, **attrs):
    node = h.make_node("Scan", ["s0", "x"], ["sf", "ys", "xs"], body=body, num_scan_inputs=1, **attrs)
    return model(
        [node],
        [tensor("s0", elem, state_shape), tensor("x", elem, x_shape)],
        [tensor("sf", elem, None), tensor("ys", elem, None), tensor("xs", elem, None)],
        opset=opset,
    )


@pytest.mark.parametrize("opset", SCAN_OPSETS)
def test_scan_running_sum(opset):
    m = scan_model(sum_body([2], [2]), [5, 2], [2], opset=opset)
    check(m, {"s0": np.zeros(2, np.float32), "x": rng.standard_normal((5, 2)).astype(np.float32)})


@pytest.mark.parametrize(
    "attrs",
    [
        dict(scan_input_axes=[1]),
        dict(scan_input_directions=[1]),
        dict(scan_output_directions=[1, 0]),
        dict(scan_output_axes=[1, 0], scan_input_axes=[1]),
        dict(scan_output_axes=[-1, -2], scan_input_axes=[-1], scan_input_directions=[1], scan_output_directions=[0, 1]),
    ],
)
def test_scan_axes_and_directions(attrs):
    m = scan_model(sum_body([3], [3]), [3, 3] if attrs.get("scan_input_axes") else [4, 3], [3], opset=16, **attrs)
    x = rng.standard_normal((3, 3) if attrs.get("scan_input_axes") else (4, 3)).astype(np.float32)
    check(m, {"s0": np.ones(3, np.float32), "x": x})


def test_scan_several_inputs_on_different_axes():
    body = h.make_graph(
        [h.make_node("Mul", ["a", "b"], ["p"]), h.make_node("Add", ["acc", "p"], ["acc_out"]), h.make_node("Identity", ["p"], ["p_out"])],
        "body",
        [tensor("acc", F, [2]), tensor("a", F, [2]), tensor("b", F, [2])],
        [tensor("acc_out", F, [2]), tensor("p_out", F, [2])],
    )
    node = h.make_node(
        "Scan", ["acc0", "a", "b"], ["acc", "ps"], body=body, num_scan_inputs=2,
        scan_input_axes=[0, 1], scan_input_directions=[0, 1], scan_output_axes=[1],
    )
    m = model([node], [tensor("acc0", F, [2]), tensor("a", F, [3, 2]), tensor("b", F, [2, 3])], [tensor("acc", F, None), tensor("ps", F, None)], opset=11)
    check(m, {"acc0": np.zeros(2, np.float32), "a": rng.standard_normal((3, 2)).astype(np.float32), "b": rng.standard_normal((2, 3)).astype(np.float32)})


def test_scan_scalar_slices_and_outer_scope():
    body = h.make_graph(
        [h.make_node("Mul", ["x", "scale"], ["xs"]), h.make_node("Add", ["st", "xs"], ["st_out"]), h.make_node("Identity", ["st_out"], ["y"])],
        "body",
        [tensor("st", F, []), tensor("x", F, [])],
        [tensor("st_out", F, []), tensor("y", F, [])],
    )
    node = h.make_node("Scan", ["s0", "x"], ["sf", "ys"], body=body, num_scan_inputs=1)
    m = model([node], [tensor("s0", F, []), tensor("x", F, [6]), tensor("scale", F, [])], [tensor("sf", F, None), tensor("ys", F, None)], opset=19)
    check(m, {"s0": np.array(1, np.float32), "x": np.arange(6, dtype=np.float32), "scale": np.array(0.5, np.float32)})


def test_scan_of_length_zero():
    # onnxruntime fails on a zero-length scan ("Invalid dim0_offset of 0"); the spec gives the
    # initial state back and empty scan outputs, with the body's declared dims.
    m = scan_model(sum_body([2], [2]), [0, 2], [2], opset=16, scan_output_axes=[0, 1])
    sf, ys, xs = run_refrt(m, {"s0": np.ones(2, np.float32), "x": np.zeros((0, 2), np.float32)})
    np.testing.assert_array_equal(sf, [1, 1])
    assert ys.shape == (0, 2) and xs.shape == (2, 0) and ys.dtype == xs.dtype == np.float32


def test_scan_inputs_of_different_lengths_fail():
    body = h.make_graph(
        [h.make_node("Add", ["a", "b"], ["p"]), h.make_node("Identity", ["st"], ["st_out"])],
        "body",
        [tensor("st", F, []), tensor("a", F, []), tensor("b", F, [])],
        [tensor("st_out", F, []), tensor("p", F, [])],
    )
    node = h.make_node("Scan", ["s0", "a", "b"], ["sf", "ps"], body=body, num_scan_inputs=2)
    m = model([node], [tensor("s0", F, []), tensor("a", F, [None]), tensor("b", F, [None])], [tensor("sf", F, None), tensor("ps", F, None)], opset=16)
    with pytest.raises(Exception, match="differ in length"):
        run_refrt(m, {"s0": np.array(0, np.float32), "a": np.zeros(3, np.float32), "b": np.zeros(4, np.float32)})


def scan8_model(*, with_lens, **attrs):
    body = sum_body([2], [2])
    node = h.make_node("Scan", ["lens" if with_lens else "", "s0", "x"], ["sf", "ys", "xs"], body=body, num_scan_inputs=1, **attrs)
    inputs = [tensor("s0", F, [3, 2]), tensor("x", F, [3, 4, 2])]
    if with_lens:
        inputs.insert(0, tensor("lens", I64, [3]))
    return model([node], inputs, [tensor("sf", F, None), tensor("ys", F, None), tensor("xs", F, None)], opset=8)


@pytest.mark.parametrize("directions", [None, [0], [1]])
def test_scan_8_batched(directions):
    attrs = {} if directions is None else {"directions": directions}
    feeds = {"s0": rng.standard_normal((3, 2)).astype(np.float32), "x": rng.standard_normal((3, 4, 2)).astype(np.float32)}
    check(scan8_model(with_lens=False, **attrs), feeds)


@pytest.mark.parametrize("directions", [[0], [1]])
def test_scan_8_sequence_lens_pad_with_zeros(directions):
    feeds = {
        "lens": np.array([4, 2, 1], np.int64),  # onnxruntime rejects a length of 0
        "s0": rng.standard_normal((3, 2)).astype(np.float32),
        "x": rng.standard_normal((3, 4, 2)).astype(np.float32),
    }
    check(scan8_model(with_lens=True, directions=directions), feeds)


# ----------------------------------------------------------------------------------------------- If


def test_if_with_sequence_and_optional_outputs():
    then = h.make_graph([h.make_node("SequenceConstruct", ["x", "x"], ["s"])], "then", [], [seq("s", F, None)])
    other = h.make_graph([h.make_node("SplitToSequence", ["x"], ["s2"])], "else", [], [seq("s2", F, None)])
    nodes = [h.make_node("If", ["c"], ["out"], then_branch=then, else_branch=other)]
    m = model(nodes, [tensor("c", T.BOOL, []), tensor("x", F, [3, 2])], [seq("out", F, None)], opset=13)
    x = rng.standard_normal((3, 2)).astype(np.float32)
    check(m, {"c": np.array(True), "x": x})
    check(m, {"c": np.array(False), "x": x})

    then = h.make_graph([h.make_node("Optional", ["x"], ["o"])], "then", [], [opt("o", tensor_type(F, [3, 2]))])
    other = h.make_graph([h.make_node("Optional", [], ["o2"], type=tensor_type(F, [3, 2]))], "else", [], [opt("o2", tensor_type(F, [3, 2]))])
    nodes = [
        h.make_node("If", ["c"], ["o"], then_branch=then, else_branch=other),
        h.make_node("OptionalHasElement", ["o"], ["has"]),
    ]
    m = model(nodes, [tensor("c", T.BOOL, []), tensor("x", F, [3, 2])], [tensor("has", T.BOOL, None)], opset=18)
    assert check(m, {"c": np.array(True), "x": x})[0]
    assert not check(m, {"c": np.array(False), "x": x})[0]


# ----------------------------------------------------------------------------------------- Sequence


def seq_model(nodes, inputs, out_type_seq=True, *, opset=11, outputs=None):
    outputs = outputs or [seq("out", F, None) if out_type_seq else tensor("out", F, None)]
    return model(nodes, inputs, outputs, opset=opset)


XS = [rng.standard_normal((2, 3)).astype(np.float32) for _ in range(4)]


def test_sequence_construct_at_length():
    nodes = [
        h.make_node("SequenceConstruct", ["a", "b", "c"], ["s"]),
        h.make_node("SequenceAt", ["s", "p"], ["at"]),
        h.make_node("SequenceLength", ["s"], ["n"]),
    ]
    m = model(
        nodes,
        [tensor("a", F, [2, 3]), tensor("b", F, [2, 3]), tensor("c", F, [1, 3]), tensor("p", T.INT32, [])],
        [seq("s", F, None), tensor("at", F, None), tensor("n", I64, None)],
        opset=11,
    )
    for p in (0, 2, -1, -3):
        check(m, {"a": XS[0], "b": XS[1], "c": XS[2][:1], "p": np.array(p, np.int32)})
    with pytest.raises(Exception, match="out of range"):
        run_refrt(m, {"a": XS[0], "b": XS[1], "c": XS[2][:1], "p": np.array(3, np.int32)})


@pytest.mark.parametrize("position", [None, 0, 2, 3, -1, -3])
def test_sequence_insert(position):
    inputs = [seq("s", F, None), tensor("t", F, [2, 3])]
    names = ["s", "t"]
    feeds = {"s": XS[:3], "t": XS[3]}
    if position is not None:
        inputs.append(tensor("p", I64, []))
        names.append("p")
        feeds["p"] = np.array(position, np.int64)
    m = seq_model([h.make_node("SequenceInsert", names, ["out"])], inputs)
    check(m, feeds)


@pytest.mark.parametrize("position", [None, 0, 2, -1, -3])
def test_sequence_erase(position):
    inputs = [seq("s", F, None)]
    feeds = {"s": XS[:3]}
    names = ["s"]
    if position is not None:
        inputs.append(tensor("p", T.INT32, []))
        names.append("p")
        feeds["p"] = np.array(position, np.int32)
    m = seq_model([h.make_node("SequenceErase", names, ["out"])], inputs)
    check(m, feeds)


def test_sequence_erase_out_of_range_fails():
    m = seq_model([h.make_node("SequenceErase", ["s", "p"], ["out"])], [seq("s", F, None), tensor("p", I64, [])])
    with pytest.raises(Exception, match="out of range"):
        run_refrt(m, {"s": XS[:2], "p": np.array(2, np.int64)})


def test_sequence_inputs_are_not_mutated():
    nodes = [
        h.make_node("SequenceInsert", ["s", "t"], ["s2"]),
        h.make_node("SequenceErase", ["s"], ["s3"]),
        h.make_node("SequenceLength", ["s"], ["n"]),
    ]
    m = model(nodes, [seq("s", F, None), tensor("t", F, [2, 3])], [seq("s2", F, None), seq("s3", F, None), tensor("n", I64, None)], opset=11)
    feed = list(XS[:2])
    got = run_refrt(m, {"s": feed, "t": XS[3]})
    assert len(feed) == 2 and len(got[0]) == 3 and len(got[1]) == 1 and got[2] == 2


def test_sequence_empty_then_insert():
    nodes = [
        h.make_node("SequenceEmpty", [], ["e"], dtype=T.INT64),
        h.make_node("SequenceInsert", ["e", "t"], ["s"]),
        h.make_node("SequenceLength", ["s"], ["n"]),
        h.make_node("SequenceLength", ["e"], ["n0"]),
    ]
    m = model(nodes, [tensor("t", I64, [2])], [seq("s", I64, None), tensor("n", I64, None), tensor("n0", I64, None)], opset=11)
    check(m, {"t": np.array([4, 5], np.int64)}, fold=False)


@pytest.mark.parametrize("producer", ["SequenceEmpty", "SequenceConstruct"])
def test_sequences_of_constants_survive_constant_folding(producer):
    if producer == "SequenceEmpty":
        nodes = [h.make_node("SequenceEmpty", [], ["e"])]
    else:  # folded into a stacked [2, 2] tensor: a silently wrong result
        nodes = [const("c", np.array([1.0, 2.0], np.float32)), h.make_node("SequenceConstruct", ["c", "c"], ["e"])]
    nodes.append(h.make_node("SequenceInsert", ["e", "t"], ["s"]))
    m = model(nodes, [tensor("t", F, [2])], [seq("s", F, None)], opset=11)
    check(m, {"t": np.array([4, 5], np.float32)})


@pytest.mark.parametrize(
    "axis, new_axis, shapes",
    [
        (0, 0, [(2, 3), (1, 3), (4, 3)]),
        (1, 0, [(2, 3), (2, 1)]),
        (-1, 0, [(2, 3), (2, 2)]),
        (0, 1, [(2, 3), (2, 3)]),
        (2, 1, [(2, 3), (2, 3), (2, 3)]),
        (-3, 1, [(2, 3), (2, 3)]),
        (0, 1, [(), (), ()]),
    ],
)
def test_concat_from_sequence(axis, new_axis, shapes):
    m = seq_model([h.make_node("ConcatFromSequence", ["s"], ["out"], axis=axis, new_axis=new_axis)], [seq("s", F, None)], out_type_seq=False)
    check(m, {"s": [rng.standard_normal(s).astype(np.float32) for s in shapes]})


def test_concat_from_sequence_bad_shapes_fail():
    m = seq_model([h.make_node("ConcatFromSequence", ["s"], ["out"], axis=0)], [seq("s", F, None)], out_type_seq=False)
    with pytest.raises(Exception, match="do not join"):
        run_refrt(m, {"s": [np.zeros((2, 3), np.float32), np.zeros((2, 2), np.float32)]})


@pytest.mark.parametrize("opset", [11, 24])
@pytest.mark.parametrize(
    "split, axis, keepdims",
    [
        (None, 0, 1),
        (None, 1, 0),
        (None, -1, 1),
        (np.array(2, np.int64), 1, 1),  # scalar: equal chunks, a shorter last one
        (np.array([1, 3, 1], np.int64), 1, 1),
        (np.array([2, 2], np.int32), 0, 1),
        (np.array([0, 5], np.int64), -1, 1),
    ],
)
def test_split_to_sequence(opset, split, axis, keepdims):
    x = rng.standard_normal((4, 5)).astype(np.float32)
    inputs = [tensor("x", F, [4, 5])]
    names = ["x"]
    feeds = {"x": x}
    if split is not None:
        inputs.append(tensor("split", T.INT64 if split.dtype == np.int64 else T.INT32, list(split.shape)))
        names.append("split")
        feeds["split"] = split
    m = seq_model([h.make_node("SplitToSequence", names, ["out"], axis=axis, keepdims=keepdims)], inputs, opset=opset)
    check(m, feeds)


def test_split_to_sequence_ignores_keepdims_when_split_is_given():
    # The spec: "If input 'split' is specified, this attribute is ignored." onnxruntime squeezes the
    # pieces of a scalar split anyway (and fails when they are longer than 1), so this is checked
    # against the spec, as onnx's reference implementation reads it.
    x = rng.standard_normal((4, 5)).astype(np.float32)
    m = seq_model(
        [h.make_node("SplitToSequence", ["x", "split"], ["out"], axis=1, keepdims=0)],
        [tensor("x", F, [4, 5]), tensor("split", T.INT32, [])],
    )
    got = run_refrt(m, {"x": x, "split": np.array(2, np.int32)})[0]
    same([x[:, 0:2], x[:, 2:4], x[:, 4:5]], got)


def test_split_to_sequence_bad_lengths_fail():
    m = seq_model([h.make_node("SplitToSequence", ["x", "split"], ["out"])], [tensor("x", F, [4]), tensor("split", I64, [2])])
    with pytest.raises(Exception, match="sum to the dimension"):
        run_refrt(m, {"x": np.zeros(4, np.float32), "split": np.array([1, 2], np.int64)})


def test_sequence_map_with_two_outputs_and_extra_inputs():
    body = h.make_graph(
        [
            h.make_node("Add", ["a", "b"], ["sum"]),
            h.make_node("Mul", ["sum", "k"], ["scaled"]),
            h.make_node("Shape", ["a"], ["shape"]),
        ],
        "body",
        [tensor("a", F, None), tensor("b", F, None), tensor("k", F, [])],
        [tensor("scaled", F, None), tensor("shape", I64, [None])],
    )
    node = h.make_node("SequenceMap", ["s1", "s2", "k"], ["o1", "o2"], body=body)
    m = model(
        [node],
        [seq("s1", F, None), seq("s2", F, None), tensor("k", F, [])],
        [seq("o1", F, None), seq("o2", I64, None)],
        opset=17,
    )
    s1 = [rng.standard_normal(s).astype(np.float32) for s in [(2,), (3, 1), (4,)]]
    s2 = [rng.standard_normal(x.shape).astype(np.float32) for x in s1]
    check(m, {"s1": s1, "s2": s2, "k": np.array(3, np.float32)})
    with pytest.raises(Exception, match="length"):
        run_refrt(m, {"s1": s1, "s2": s2[:2], "k": np.array(3, np.float32)})


def test_sequence_map_on_empty_sequence():
    body = h.make_graph([h.make_node("Neg", ["a"], ["b"])], "body", [tensor("a", F, None)], [tensor("b", F, None)])
    m = model([h.make_node("SequenceMap", ["s"], ["o"], body=body)], [seq("s", F, None)], [seq("o", F, None)], opset=17)
    check(m, {"s": []})


# ---------------------------------------------------------------------------------------- Optional


@pytest.mark.parametrize("opset", [15, 18, 25])  # onnxruntime has no Optional-28 kernel
def test_optional_of_a_tensor(opset):
    nodes = [
        h.make_node("Optional", ["x"], ["o"]),
        h.make_node("OptionalHasElement", ["o"], ["has"]),
        h.make_node("OptionalGetElement", ["o"], ["y"]),
    ]
    m = model(nodes, [tensor("x", F, [2])], [tensor("has", T.BOOL, None), tensor("y", F, None)], opset=opset)
    check(m, {"x": np.array([1, 2], np.float32)})


def test_optional_28():
    # onnxruntime has no Optional-28 kernel; the expected values follow from the spec.
    nodes = [
        h.make_node("Optional", ["x"], ["o"]),
        h.make_node("Optional", [], ["e"], type=tensor_type(T.FLOAT8E4M3FN, [2])),
        h.make_node("OptionalHasElement", ["o"], ["has"]),
        h.make_node("OptionalHasElement", ["e"], ["has_e"]),
        h.make_node("OptionalGetElement", ["o"], ["y"]),
    ]
    m = model(nodes, [tensor("x", T.UINT4, [2])], [tensor("has", T.BOOL, None), tensor("has_e", T.BOOL, None), tensor("y", T.UINT4, None)], opset=28)
    import ml_dtypes

    x = np.array([3, 15], dtype=ml_dtypes.uint4)
    has, has_e, y = run_refrt(m, {"x": x})
    assert has.shape == () and bool(has) and not bool(has_e)
    assert y.dtype == x.dtype and np.array_equal(y, x)


@pytest.mark.parametrize("opset", [15, 18])
def test_empty_optional(opset):
    nodes = [
        h.make_node("Optional", [], ["o"], type=seq_type(F)),
        h.make_node("OptionalHasElement", ["o"], ["has"]),
    ]
    m = model(nodes, [], [tensor("has", T.BOOL, None)], opset=opset)
    assert not check(m, {})[0]


def test_optional_inputs_fed_empty_or_full():
    nodes = [h.make_node("OptionalHasElement", ["o"], ["has"]), h.make_node("Identity", ["o"], ["same"])]
    for inner in (tensor_type(F, [2]), seq_type(F)):
        m = model(nodes, [opt("o", inner)], [tensor("has", T.BOOL, None), opt("same", inner)], opset=18)
        value = np.ones(2, np.float32) if inner.HasField("tensor_type") else [np.ones(2, np.float32)]
        check(m, {"o": value})
        # onnxruntime's Python API cannot feed an empty optional; refrt takes None for one.
        has, same_ = run_refrt(m, {"o": None})
        assert has.dtype == np.bool_ and not has and same_ is None


def test_optional_has_element_without_input_and_on_plain_values():
    nodes = [
        h.make_node("OptionalHasElement", [], ["none"]),
        h.make_node("OptionalHasElement", ["x"], ["on_tensor"]),
        h.make_node("OptionalHasElement", ["s"], ["on_seq"]),
        h.make_node("OptionalGetElement", ["s"], ["got_seq"]),
        h.make_node("OptionalGetElement", ["x"], ["got_x"]),
    ]
    m = model(
        nodes,
        [tensor("x", F, [2]), seq("s", F, None)],
        [tensor("none", T.BOOL, None), tensor("on_tensor", T.BOOL, None), tensor("on_seq", T.BOOL, None), seq("got_seq", F, None), tensor("got_x", F, None)],
        opset=18,
    )
    check(m, {"x": np.ones(2, np.float32), "s": XS[:2]})


def test_optional_get_element_of_empty_fails():
    nodes = [h.make_node("Optional", [], ["o"], type=tensor_type(F, [2])), h.make_node("OptionalGetElement", ["o"], ["y"])]
    m = model(nodes, [], [tensor("y", F, None)], opset=18)
    with pytest.raises(Exception, match="empty"):
        run_refrt(m, {})
