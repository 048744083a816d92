"""ORT_ENABLE_BASIC eliminations, in the style of onnxruntime's transformer tests: a small graph, run
unoptimized and at ORT_ENABLE_BASIC (and in onnxruntime), numbers compared, then the structure.

Each pass also has cases that almost match and must be left alone.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import refrt
from oracle import assert_same, run_ort
from refrt import ir, levels
from refrt.passes.eliminate_common_subexpressions import eliminate_common_subexpressions
from refrt.passes.eliminate_dead_code import eliminate_dead_code
from refrt.passes.eliminate_identity import eliminate_identity
from refrt.providers import CPU

F = TensorProto.FLOAT
LEVEL = refrt.GraphOptimizationLevel
RNG = np.random.default_rng(0)
X23 = RNG.standard_normal((2, 3)).astype(np.float32)


def vi(name, shape, elem=F):
    return helper.make_tensor_value_info(name, elem, shape)


def const(name, value, dtype=np.float32):
    return numpy_helper.from_array(np.asarray(value, dtype), name)


def model(nodes, inputs, outputs, inits=(), opset=17, extra_opsets=()) -> onnx.ModelProto:
    graph = helper.make_graph(nodes, "g", inputs, outputs, list(inits))
    opsets = [helper.make_opsetid("", opset), *[helper.make_opsetid(d, v) for d, v in extra_opsets]]
    return helper.make_model(graph, opset_imports=opsets, ir_version=8)


def session(m: onnx.ModelProto, level) -> refrt.InferenceSession:
    so = refrt.SessionOptions()
    so.graph_optimization_level = level
    return refrt.InferenceSession(m.SerializeToString(), so)


def check(m: onnx.ModelProto, feeds: dict, *, ort: bool = True) -> refrt.InferenceSession:
    """Same results unoptimized, at ORT_ENABLE_BASIC and in onnxruntime; the BASIC session back."""
    expected = session(m, LEVEL.ORT_DISABLE_ALL).run(None, feeds)
    sess = session(m, LEVEL.ORT_ENABLE_BASIC)
    got = sess.run(None, feeds)
    assert_same(expected, got, rtol=0, atol=0)
    if ort:
        assert_same(run_ort(m, feeds), got, rtol=1e-6, atol=1e-7)
    return sess


def ops(sess: refrt.InferenceSession) -> Counter:
    return Counter(n.op_type for n in sess._compiled.graph.nodes)


# -- eliminate_identity ---------------------------------------------------------------------------


def test_identity_chain_inside_the_graph_goes():
    m = model([helper.make_node("Relu", ["X"], ["r"]), helper.make_node("Identity", ["r"], ["i1"]),
               helper.make_node("Identity", ["i1"], ["i2"]), helper.make_node("Neg", ["i2"], ["Y"])],
              [vi("X", [2, 3])], [vi("Y", [2, 3])])
    sess = check(m, {"X": X23})
    assert ops(sess) == {"Relu": 1, "Neg": 1}
    assert [n.inputs for n in sess._compiled.graph.nodes] == [["X"], ["r"]]


def test_identity_to_a_graph_output_renames_its_producer_not_the_output():
    m = model([helper.make_node("Relu", ["X"], ["r"]), helper.make_node("Identity", ["r"], ["i"]),
               helper.make_node("Identity", ["i"], ["Y"]), helper.make_node("Neg", ["r"], ["Z"])],
              [vi("X", [2, 3])], [vi("Y", [2, 3]), vi("Z", [2, 3])])
    sess = check(m, {"X": X23})
    assert ops(sess) == {"Relu": 1, "Neg": 1}
    relu, neg = sess._compiled.graph.nodes
    assert relu.outputs == ["Y"] and neg.inputs == ["Y"]
    assert [o.name for o in sess.get_outputs()] == ["Y", "Z"]


@pytest.mark.parametrize("case", ["graph_input", "initializer", "another_output"])
def test_identity_that_must_keep_a_name_stays(case):
    inits = [const("W", np.ones((2, 3)))] if case == "initializer" else []
    source = {"graph_input": "X", "initializer": "W", "another_output": "r"}[case]
    nodes = [helper.make_node("Relu", ["X"], ["r"]), helper.make_node("Identity", [source], ["Y"])]
    outputs = [vi("Y", [2, 3]), vi("r", [2, 3])]
    m = model(nodes, [vi("X", [2, 3])], outputs, inits)
    assert [n.op_type for n in eliminate_identity(ir.build(m), [CPU]).nodes] == ["Relu", "Identity"]
    sess = check(m, {"X": X23})
    assert ops(sess)["Identity"] == (0 if case == "initializer" else 1)  # Identity(W) is folded to a constant


def test_identity_read_by_a_subgraph_stays():
    then = helper.make_graph([helper.make_node("Neg", ["i"], ["t"])], "then", [], [vi("t", [2, 3])])
    other = helper.make_graph([helper.make_node("Abs", ["i"], ["e"])], "else", [], [vi("e", [2, 3])])
    nodes = [helper.make_node("Relu", ["X"], ["r"]), helper.make_node("Identity", ["r"], ["i"]),
             helper.make_node("If", ["C"], ["Y"], then_branch=then, else_branch=other)]
    m = model(nodes, [vi("X", [2, 3]), vi("C", [], TensorProto.BOOL)], [vi("Y", [2, 3])])
    for c in (True, False):
        sess = check(m, {"X": X23, "C": np.array(c)})
    assert ops(sess)["Identity"] == 1


def test_identity_pass_leaves_its_input_graph_alone():
    m = model([helper.make_node("Identity", ["X"], ["i"]), helper.make_node("Neg", ["i"], ["Y"])],
              [vi("X", [2])], [vi("Y", [2])])
    graph = ir.build(m)
    before = [(n.op_type, list(n.inputs), list(n.outputs)) for n in graph.nodes]
    after = eliminate_identity(graph, [CPU])
    assert [n.op_type for n in after.nodes] == ["Neg"] and after.nodes[0].inputs == ["X"]
    assert [(n.op_type, n.inputs, n.outputs) for n in graph.nodes] == before


# -- eliminate_dropout ----------------------------------------------------------------------------


@pytest.mark.parametrize("opset,training", [(7, None), (10, None), (13, None), (13, False)])
def test_inference_dropout_goes(opset, training):
    inputs = ["r"] if training is None else ["r", "", "T"]
    inits = [] if training is None else [numpy_helper.from_array(np.array(training), "T")]
    nodes = [helper.make_node("Relu", ["X"], ["r"]), helper.make_node("Dropout", inputs, ["d", ""]),
             helper.make_node("Neg", ["d"], ["Y"])]
    sess = check(model(nodes, [vi("X", [2, 3])], [vi("Y", [2, 3])], inits, opset=opset), {"X": X23})
    assert ops(sess) == {"Relu": 1, "Neg": 1}


def test_dropout_whose_mask_is_read_stays():
    nodes = [helper.make_node("Relu", ["X"], ["r"]), helper.make_node("Dropout", ["r"], ["d", "mask"]),
             helper.make_node("Neg", ["d"], ["Y"])]
    m = model(nodes, [vi("X", [2, 3])], [vi("Y", [2, 3]), vi("mask", [2, 3], TensorProto.BOOL)])
    assert ops(check(m, {"X": X23}))["Dropout"] == 1


def test_dropout_with_a_training_mode_input_stays():
    nodes = [helper.make_node("Dropout", ["X", "", "T"], ["d"]), helper.make_node("Neg", ["d"], ["Y"])]
    m = model(nodes, [vi("X", [2, 3]), vi("T", [], TensorProto.BOOL)], [vi("Y", [2, 3])])
    assert ops(check(m, {"X": X23, "T": np.array(False)}))["Dropout"] == 1


# -- eliminate_noop ---------------------------------------------------------------------------------

I64 = np.int64
BIG = np.iinfo(np.int64).max


def _noop_case(op, extra_inputs=(), inits=(), x_shape=(2, 3), **attrs):
    """Relu -> op -> Neg, so that the op sits between two nodes (no graph input or output to keep)."""
    nodes = [helper.make_node("Relu", ["X"], ["r"]), helper.make_node(op, ["r", *extra_inputs], ["n"], **attrs),
             helper.make_node("Neg", ["n"], ["Y"])]
    return model(nodes, [vi("X", list(x_shape))], [vi("Y", None, attrs.get("to", F))], inits)


NOOPS = {
    "cast_same_type": ("Cast", [], [], {"to": F}),
    "cast_like_same_type": ("CastLike", ["L"], [const("L", [1.0])], {}),
    "reshape_same_shape": ("Reshape", ["S"], [const("S", [2, 3], I64)], {}),
    "reshape_copy_and_infer": ("Reshape", ["S"], [const("S", [0, -1], I64)], {}),
    "transpose_identity_perm": ("Transpose", [], [], {"perm": [0, 1]}),
    "slice_everything": ("Slice", ["s", "e", "a"], [const("s", [0, 0], I64), const("e", [BIG, 3], I64),
                                                      const("a", [0, 1], I64)], {}),
    "slice_negative_start": ("Slice", ["s", "e"], [const("s", [-5], I64), const("e", [9], I64)], {}),
    "pad_zeros": ("Pad", ["p"], [const("p", [0, 0, 0, 0], I64)], {}),
    "expand_to_ones": ("Expand", ["s"], [const("s", [1, 3], I64)], {}),
}
NOT_NOOPS = {
    "cast_other_type": ("Cast", [], [], {"to": TensorProto.DOUBLE}),
    "reshape_other_shape": ("Reshape", ["S"], [const("S", [3, 2], I64)], {}),
    "transpose_swap": ("Transpose", [], [], {"perm": [1, 0]}),
    "transpose_default_perm": ("Transpose", [], [], {}),
    "slice_part": ("Slice", ["s", "e", "a"], [const("s", [0], I64), const("e", [2], I64), const("a", [1], I64)], {}),
    "slice_step": ("Slice", ["s", "e", "a", "t"], [const("s", [0], I64), const("e", [BIG], I64),
                                                    const("a", [1], I64), const("t", [2], I64)], {}),
    "pad_some": ("Pad", ["p"], [const("p", [0, 1, 0, 0], I64)], {}),
    "expand_grows": ("Expand", ["s"], [const("s", [2, 2, 3], I64)], {}),
}


@pytest.mark.parametrize("name", NOOPS)
def test_noop_goes(name):
    op, extra, inits, attrs = NOOPS[name]
    sess = check(_noop_case(op, extra, inits, **attrs), {"X": X23})
    assert ops(sess) == {"Relu": 1, "Neg": 1}


@pytest.mark.parametrize("name", NOT_NOOPS)
def test_op_that_changes_its_input_stays(name):
    op, extra, inits, attrs = NOT_NOOPS[name]
    sess = check(_noop_case(op, extra, inits, **attrs), {"X": X23})
    assert ops(sess)[op] == 1


def test_noop_decisions_need_static_shapes():
    # With a symbolic batch, [0, -1] cannot be proven a no-op (-1 depends on the batch) but [-1, 3] can.
    for shape, kept in (([0, -1], 1), ([-1, 3], 0)):
        m = _noop_case("Reshape", ["S"], [const("S", shape, I64)], x_shape=("batch", 3))
        sess = check(m, {"X": RNG.standard_normal((4, 3)).astype(np.float32)})
        assert ops(sess)["Reshape"] == kept
    m = _noop_case("Slice", ["s", "e"], [const("s", [0], I64), const("e", [3], I64)], x_shape=("batch", 3))
    sess = check(m, {"X": RNG.standard_normal((4, 3)).astype(np.float32)})
    assert ops(sess)["Slice"] == 1  # 3 may be less than the batch


def test_noop_between_a_graph_input_and_output_stays():
    m = model([helper.make_node("Cast", ["X"], ["Y"], to=F)], [vi("X", [2, 3])], [vi("Y", [2, 3])])
    assert ops(check(m, {"X": X23})) == {"Cast": 1}


def test_noop_with_an_old_revision_of_its_attributes():
    nodes = [helper.make_node("Relu", ["X"], ["r"]),
             helper.make_node("Slice", ["r"], ["s"], starts=[0], ends=[BIG], axes=[1]),
             helper.make_node("Pad", ["s"], ["p"], pads=[0, 0, 0, 0]), helper.make_node("Neg", ["p"], ["Y"])]
    sess = check(model(nodes, [vi("X", [2, 3])], [vi("Y", [2, 3])], opset=9), {"X": X23})
    assert ops(sess) == {"Relu": 1, "Neg": 1}


# -- eliminate_common_subexpressions ----------------------------------------------------------------


def test_common_subexpressions_merge_in_chains():
    nodes = [helper.make_node("Relu", ["X"], ["a"]), helper.make_node("Relu", ["X"], ["b"]),
             helper.make_node("LeakyRelu", ["a"], ["c"], alpha=0.2), helper.make_node("LeakyRelu", ["b"], ["d"], alpha=0.2),
             helper.make_node("Add", ["c", "d"], ["Y"])]
    sess = check(model(nodes, [vi("X", [2, 3])], [vi("Y", [2, 3])]), {"X": X23})
    assert ops(sess) == {"Relu": 1, "LeakyRelu": 1, "Add": 1}
    assert sess._compiled.graph.nodes[-1].inputs == ["c", "c"]


def test_identity_then_cse_sees_through_aliases():
    nodes = [helper.make_node("Identity", ["X"], ["i"]), helper.make_node("Sigmoid", ["i"], ["a"]),
             helper.make_node("Sigmoid", ["X"], ["b"]), helper.make_node("Mul", ["a", "b"], ["Y"])]
    sess = check(model(nodes, [vi("X", [2, 3])], [vi("Y", [2, 3])]), {"X": X23})
    assert ops(sess) == {"Sigmoid": 1, "Mul": 1}


def test_different_attributes_inputs_or_outputs_do_not_merge():
    nodes = [helper.make_node("LeakyRelu", ["X"], ["a"], alpha=0.1), helper.make_node("LeakyRelu", ["X"], ["b"], alpha=0.2),
             helper.make_node("Sub", ["X", "a"], ["c"]), helper.make_node("Sub", ["a", "X"], ["d"]),
             helper.make_node("Sum", ["a", "b", "c", "d"], ["Y"])]
    sess = check(model(nodes, [vi("X", [2, 3])], [vi("Y", [2, 3])]), {"X": X23})
    assert ops(sess) == {"LeakyRelu": 2, "Sub": 2, "Sum": 1}


def test_random_ops_graph_outputs_and_subgraphs_do_not_merge():
    branch = helper.make_graph([helper.make_node("Neg", ["X"], ["t"])], "b", [], [vi("t", [2, 3])])
    nodes = [helper.make_node("RandomUniformLike", ["X"], ["u1"], seed=1.0),
             helper.make_node("RandomUniformLike", ["X"], ["u2"], seed=1.0),
             helper.make_node("Relu", ["X"], ["Y1"]), helper.make_node("Relu", ["X"], ["Y2"]),
             helper.make_node("If", ["C"], ["f1"], then_branch=branch, else_branch=branch),
             helper.make_node("If", ["C"], ["f2"], then_branch=branch, else_branch=branch),
             helper.make_node("Sum", ["u1", "u2", "f1", "f2"], ["Z"])]
    m = model(nodes, [vi("X", [2, 3]), vi("C", [], TensorProto.BOOL)], [vi("Y1", [2, 3]), vi("Y2", [2, 3]), vi("Z", [2, 3])])
    sess = session(m, LEVEL.ORT_ENABLE_BASIC)
    assert ops(sess) == {"RandomUniformLike": 2, "Relu": 2, "If": 2, "Sum": 1}
    y1, y2, _ = sess.run(None, {"X": X23, "C": np.array(True)})
    np.testing.assert_array_equal(y1, y2)


def test_cse_of_nodes_with_optional_outputs_only_when_the_same_outputs_are_used():
    nodes = [helper.make_node("LayerNormalization", ["X", "g"], ["v1", ""]),
             helper.make_node("LayerNormalization", ["X", "g"], ["v2", "m2"]),
             helper.make_node("LayerNormalization", ["X", "g"], ["v3", ""]), helper.make_node("Sum", ["v1", "v2", "v3"], ["Y"])]
    m = model(nodes, [vi("X", [2, 3])], [vi("Y", [2, 3]), vi("m2", [2, 1])], [const("g", [1.0, 2.0, 3.0])])
    sess = check(m, {"X": X23})
    assert ops(sess) == {"LayerNormalization": 2, "Sum": 1}
    graph = eliminate_common_subexpressions(ir.build(m), [CPU])
    assert [n.outputs for n in graph.nodes if n.op_type == "LayerNormalization"] == [["v1", ""], ["v2", "m2"]]


# -- eliminate_dead_code ----------------------------------------------------------------------------


def test_dead_chains_and_unread_constants_go():
    nodes = [helper.make_node("Sigmoid", ["X"], ["Y"]), helper.make_node("Add", ["X", "W"], ["a"]),
             helper.make_node("Neg", ["a"], ["b"]), helper.make_node("Dropout", ["Y"], ["d", "m"])]
    m = model(nodes, [vi("X", [2, 3])], [vi("Y", [2, 3])], [const("W", np.ones((2, 3))), const("V", [1.0])])
    sess = check(m, {"X": X23})
    assert ops(sess) == {"Sigmoid": 1}
    assert sess._compiled.graph.initializers == {}
    graph = eliminate_dead_code(ir.build(m), [CPU])
    assert [n.op_type for n in graph.nodes] == ["Sigmoid"] and not graph.initializers


def test_dead_code_keeps_custom_ops_overridable_constants_and_constant_outputs():
    @refrt.kernel("Touch", domain="test.basic.dead")
    def touch(x):
        return x

    nodes = [helper.make_node("Touch", ["X"], ["t"], domain="test.basic.dead"), helper.make_node("Neg", ["X"], ["Y"])]
    inits = [const("O", [1.0]), const("C", [2.0])]
    m = model(nodes, [vi("X", [2, 3]), vi("O", [1])], [vi("Y", [2, 3]), vi("C", [1])], inits,
              extra_opsets=[("test.basic.dead", 1)])
    graph = levels.optimize(ir.build(m), LEVEL.ORT_ENABLE_BASIC, [CPU])
    assert [n.op_type for n in graph.nodes] == ["Touch", "Neg"]
    assert sorted(graph.initializers) == ["C", "O"]
    sess = session(m, LEVEL.ORT_ENABLE_BASIC)
    np.testing.assert_array_equal(sess.run(["C"], {"X": X23})[0], [2.0])


# -- the passes together ----------------------------------------------------------------------------


def test_basic_level_report_lists_each_pass():
    nodes = [helper.make_node("Shape", ["W"], ["s"]), helper.make_node("Identity", ["X"], ["i"]),
             helper.make_node("Reshape", ["i", "s"], ["r"]), helper.make_node("Dropout", ["r"], ["d"]),
             helper.make_node("Relu", ["d"], ["a"]), helper.make_node("Relu", ["r"], ["b"]),
             helper.make_node("Add", ["a", "b"], ["Y"])]
    m = model(nodes, [vi("X", [2, 3])], [vi("Y", [2, 3])], [const("W", np.zeros((2, 3)))])
    sess = check(m, {"X": X23})
    assert ops(sess) == {"Relu": 1, "Add": 1}
    assert not sess._compiled.graph.initializers  # W was only there for its shape
    report: list = []
    levels.optimize(ir.build(m), LEVEL.ORT_ENABLE_BASIC, [CPU], report=report)
    by_pass = {name: (before, after, added, removed) for name, before, after, added, removed in report}
    assert [name for name, *_ in report] == [p.__name__ for p in levels.BASIC]
    assert by_pass["fold_constants"] == (7, 6, {}, {"Shape": 1})
    assert by_pass["eliminate_dropout"][3] == {"Dropout": 1}
    assert by_pass["eliminate_identity"][3] == {"Identity": 1}
    assert by_pass["eliminate_noop"][3] == {"Reshape": 1}
    assert by_pass["eliminate_common_subexpressions"][:3] == (3, 2, {})


def test_values_a_gradient_names_keep_their_names_and_producers():
    # Gradient refers to y and xs by attribute, not as inputs: y = Identity(Neg(a)) must stay y.
    training = "ai.onnx.preview.training"
    nodes = [helper.make_node("Neg", ["a"], ["t"]), helper.make_node("Identity", ["t"], ["y"]),
             helper.make_node("Gradient", ["a"], ["da"], domain=training, xs=["a"], y="y")]
    m = model(nodes, [vi("a", [2], TensorProto.DOUBLE)], [vi("da", [2], TensorProto.DOUBLE)],
              extra_opsets=[(training, 1)])
    (da,) = session(m, LEVEL.ORT_ENABLE_BASIC).run(None, {"a": np.ones(2)})
    np.testing.assert_array_equal(da, [-1, -1])
    graph = levels.optimize(ir.build(m), LEVEL.ORT_ENABLE_BASIC, [CPU])
    assert [n.op_type for n in graph.nodes] == ["Neg", "Identity", "Gradient"]
