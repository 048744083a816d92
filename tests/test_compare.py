"""refrt.compare: every node's outputs, refrt against onnxruntime (or refrt's providers against each other).

The perturbed-node tests give onnxruntime the original model (``reference_model=``) and refrt a copy
in which one node computes something else (a changed initializer only it reads, or a changed
attribute): the tool must name that node, not its consumers, as the first divergence.
"""

from __future__ import annotations

import os

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import refrt
from refrt import cli
from refrt.compare import DIVERGED, NOT_COMPARED, OK, compare, compare_values, intermediates

DATA_DIR = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data")
LIGHT = os.path.join(DATA_DIR, "light")
SIMPLE = os.path.join(DATA_DIR, "simple")
NUMBA = "NumbaExecutionProvider" in refrt.get_available_providers()


def chain_model(bias: float = 0.5, alpha: float = 0.1) -> onnx.ModelProto:
    """x -> MatMul(W) -> Add(b) -> LeakyRelu -> Mul(c) -> y, and a side branch x -> Sigmoid -> s.

    Two nodes share the name "dup" and one is unnamed: rows are told apart by node_index."""
    rng = np.random.default_rng(1)
    inits = [
        numpy_helper.from_array(rng.standard_normal((4, 3)).astype(np.float32), "W"),
        numpy_helper.from_array(np.full(3, bias, np.float32), "b"),
        numpy_helper.from_array(np.full(3, 2.0, np.float32), "c"),
    ]
    nodes = [
        helper.make_node("MatMul", ["x", "W"], ["mm"], name="dup"),
        helper.make_node("Add", ["mm", "b"], ["biased"], name="add"),
        helper.make_node("LeakyRelu", ["biased"], ["act"], name="dup", alpha=alpha),
        helper.make_node("Mul", ["act", "c"], ["y"]),
        helper.make_node("Sigmoid", ["x"], ["s"], name="side"),
    ]
    graph = helper.make_graph(
        nodes, "chain",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 3]),
         helper.make_tensor_value_info("s", TensorProto.FLOAT, ["n", 4])],
        inits,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def by_output(table):
    return {r.output: r for r in table.rows}


def test_identical_models_agree_with_onnxruntime():
    table = compare(chain_model(), {"x": np.ones((2, 4), np.float32)})
    assert table.agree and table.first_divergence is None
    assert [r.output for r in table.rows] == ["mm", "biased", "act", "y", "s"]
    assert all(r.status == OK and r.max_abs_error is not None and r.max_abs_error < 1e-5 for r in table.rows)
    assert table.reference.startswith("onnxruntime")
    assert "all 5 compared values agree" in table.summary()


def test_perturbed_initializer_names_its_node_as_first_divergence():
    table = compare(chain_model(bias=0.75), reference_model=chain_model(bias=0.5))
    rows = by_output(table)
    first = table.first_divergence
    assert first is rows["biased"]
    assert (first.node_index, first.node_name, first.op_type) == (1, "add", "Add")
    assert first.max_abs_error == pytest.approx(0.25, rel=1e-5) and "confirmed" in first.note
    # Its consumers diverge too, but they are not the culprit.
    for out in ("act", "y"):
        assert rows[out].status == DIVERGED and not rows[out].origin and not rows[out].first
    assert rows["mm"].status == OK and rows["s"].status == OK
    assert table.origins == [first] and not table.agree
    assert "first divergence: node #1 'add' (Add)" in table.summary()


def test_perturbed_attribute_on_a_duplicate_named_node():
    # Random feeds are standard normal: some "biased" values are negative, where alpha matters.
    table = compare(chain_model(alpha=0.3), reference_model=chain_model(alpha=0.1), seed=3)
    first = table.first_divergence
    assert (first.node_index, first.node_name, first.op_type, first.output) == (2, "dup", "LeakyRelu", "act")
    rows = by_output(table)
    assert rows["mm"].status == OK and rows["mm"].node_name == "dup" and rows["mm"].node_index == 0
    assert rows["y"].status == DIVERGED and not rows["y"].origin


def test_refrt_providers_against_each_other_on_a_perturbed_model():
    table = compare(chain_model(bias=0.0), providers=["CPUExecutionProvider"], against=["CPUExecutionProvider"],
                    reference_model=chain_model(bias=1.0))
    assert table.first_divergence.output == "biased"
    assert table.reference.startswith("refrt [CPUExecutionProvider]")


def amplifier_model(c: float) -> onnx.ModelProto:
    """a = x + c (rounding-sized change), d = a - x (cancels), y = d * 1e6 (amplifies)."""
    graph = helper.make_graph(
        [helper.make_node("Add", ["x", "c"], ["a"], name="add"),
         helper.make_node("Sub", ["a", "x"], ["d"], name="cancel"),
         helper.make_node("Mul", ["d", "big"], ["y"], name="amplify")],
        "amp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [3])],
        [numpy_helper.from_array(np.array(c, np.float32), "c"),
         numpy_helper.from_array(np.array(1e6, np.float32), "big")],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def test_amplified_rounding_is_not_blamed_on_the_amplifier():
    # a and d differ by ~1e-6, within tolerance; y = d * 1e6 does not. Run alone on the reference's d,
    # "amplify" agrees: it diverged only because its input carried a difference in.
    x = np.array([1.0, 2.0, 3.0], np.float32)
    table = compare(amplifier_model(1e-3), {"x": x}, reference_model=amplifier_model(1e-3 + 2e-6))
    rows = by_output(table)
    assert rows["a"].status == OK and rows["d"].status == OK
    assert rows["y"].status == DIVERGED and not rows["y"].origin
    assert "agrees when run alone" in rows["y"].note
    assert table.first_divergence is None and not table.agree
    assert "no node diverges on its own" in table.summary()


@pytest.mark.parametrize("name", ["squeezenet", "inception_v1", "shufflenet"])
def test_light_models_agree_node_by_node(name):
    table = compare(os.path.join(LIGHT, f"light_{name}.onnx"))
    assert len(table.rows) > 30
    assert table.agree, table.format()
    assert all(r.status == OK for r in table.rows)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["resnet50", "inception_v2", "densenet121", "bvlc_alexnet", "vgg19", "zfnet512"])
def test_more_light_models_have_no_divergent_node(name):
    # densenet121's first BatchNormalization divides by a near-zero variance: 3 elements differ by a few
    # float32 ulps amplified ~300 times; run alone on onnxruntime's input it agrees, so no node is blamed.
    table = compare(os.path.join(LIGHT, f"light_{name}.onnx"))
    assert table.first_divergence is None, table.format()


@pytest.mark.parametrize("name", ["test_sequence_model1", "test_sequence_model3", "test_sequence_model6"])
def test_sequence_values_are_compared(name):
    table = compare(os.path.join(SIMPLE, name, "model.onnx"))
    assert table.agree, table.format()
    assert any(r.dtype.startswith("seq(") and r.status == OK for r in table.rows)


def test_strings_compared_between_refrt_providers():
    # onnxruntime's StringNormalizer refuses this model here (its locale): refrt against itself instead.
    path = os.path.join(SIMPLE, "test_strnorm_model_monday_casesensintive_lower", "model.onnx")
    feed = {"x": np.array(["monday", "tuesday", "MONDAY", "wednesday"], dtype=object)}
    table = compare(path, feed, against=["CPUExecutionProvider"])
    assert table.agree and table.rows[-1].dtype == "string"
    with pytest.raises(RuntimeError, match="onnxruntime could not run the model"):
        compare(path, feed)


@pytest.mark.skipif(not NUMBA, reason="numba is not installed")
def test_numba_provider_agrees_with_numpy_provider_node_by_node():
    table = compare(os.path.join(LIGHT, "light_squeezenet.onnx"), providers=["NumbaExecutionProvider"],
                    against=["CPUExecutionProvider"])
    assert table.tested.startswith("refrt [NumbaExecutionProvider")
    assert table.reference == "refrt [CPUExecutionProvider]"
    assert table.agree, table.format()


def test_compare_values_rules():
    f32 = np.array([1.0, 2.0], np.float32)
    assert compare_values(f32, f32 + 1e-6)[0] == OK
    assert compare_values(f32, f32 + 1e-2)[0] == DIVERGED
    # float16 is looser by default; integers are exact unless a tolerance is given.
    assert compare_values(f32.astype(np.float16), (f32 + 2e-3).astype(np.float16))[0] == OK
    assert compare_values(np.array([1, 2]), np.array([1, 3]))[0] == DIVERGED
    assert compare_values(np.array([1, 2]), np.array([1, 3]), atol=1)[0] == OK
    nan = np.array([np.nan, 1.0], np.float32)
    assert compare_values(nan, nan.copy())[0] == OK
    status, _, abs_err, _ = compare_values(nan, np.array([0.0, 1.0], np.float32))
    assert status == DIVERGED and abs_err == np.inf
    assert compare_values(np.array([np.inf]), np.array([np.inf]))[0] == OK
    assert compare_values(np.array([np.inf]), np.array([-np.inf]))[0] == DIVERGED
    status, note, *_ = compare_values(np.zeros((2, 3)), np.zeros((3, 2)))
    assert status == DIVERGED and "shape" in note
    assert compare_values(np.zeros(2, np.float32), np.zeros(2, np.float64))[0] == DIVERGED
    assert compare_values([f32, f32], [f32, f32 + 1])[0] == DIVERGED
    assert compare_values([f32], [f32, f32])[0] == DIVERGED
    assert compare_values({1: 0.5}, {1: 0.5})[0] == OK and compare_values({1: 0.5}, {2: 0.5})[0] == DIVERGED
    assert compare_values(None, None)[0] == OK and compare_values(None, f32)[0] == DIVERGED
    assert compare_values(np.array(["a"], object), np.array(["b"], object))[0] == DIVERGED
    assert compare_values(object(), object())[0] == NOT_COMPARED


def test_intermediates_returns_every_value_of_one_run():
    model = chain_model()
    sess = refrt.InferenceSession(model.SerializeToString())
    x = np.ones((2, 4), np.float32)
    values = intermediates(sess, {"x": x})
    assert list(values) == ["mm", "biased", "act", "y", "s"]
    (y,) = sess.run(["y"], {"x": x})
    np.testing.assert_array_equal(values["y"], y)
    assert list(intermediates(model, {"x": x}, ["act"])) == ["act"]
    # the session's own helper: the same values, and run(None, ...) unchanged beside it
    assert sess.value_names() == ["mm", "biased", "act", "y", "s"]
    from_session = sess.intermediate({"x": x})
    assert list(from_session) == list(values)
    for name in values:
        np.testing.assert_array_equal(from_session[name], values[name])
    assert [o.name for o in sess.get_outputs()] == ["y", "s"] and len(sess.run(None, {"x": x})) == 2


# -- the command ---------------------------------------------------------------------------------

def test_cli_agreeing_model_exits_0(tmp_path, capsys):
    path = tmp_path / "chain.onnx"
    onnx.save(chain_model(), path)
    np.save(tmp_path / "x.npy", np.ones((5, 4), np.float32))
    assert cli.main(["compare", str(path), "--input", f"x={tmp_path / 'x.npy'}"]) == 0
    out = capsys.readouterr().out
    assert "all 5 compared values agree" in out
    assert "[5,3]" in out  # the graph outputs are shown, with the fed batch size
    assert " mm " not in out  # agreeing intermediates only with --all
    assert cli.main(["compare", str(path), "--all"]) == 0
    assert " mm " in capsys.readouterr().out


def test_cli_divergent_model_exits_1_and_names_the_node(tmp_path, capsys):
    onnx.save(chain_model(bias=0.75), tmp_path / "perturbed.onnx")
    onnx.save(chain_model(), tmp_path / "original.onnx")
    code = cli.main(["compare", str(tmp_path / "perturbed.onnx"), "--reference", str(tmp_path / "original.onnx")])
    out = capsys.readouterr().out
    assert code == 1
    assert "FIRST DIVERGENCE" in out and "first divergence: node #1 'add' (Add), output 'biased'" in out
    # a tolerance wide enough for the perturbation: everything agrees
    code = cli.main(["compare", str(tmp_path / "perturbed.onnx"), "--reference", str(tmp_path / "original.onnx"),
                     "--atol", "1.0"])
    assert code == 0


def test_cli_providers_and_errors(tmp_path, capsys):
    path = tmp_path / "chain.onnx"
    onnx.save(chain_model(), path)
    assert cli.main(["compare", str(path), "--providers", "CPUExecutionProvider,CPUExecutionProvider"]) == 0
    assert "reference: refrt [CPUExecutionProvider]" in capsys.readouterr().out
    assert cli.main(["compare", str(path), "--input", "x"]) == 2
    assert "expects NAME=FILE.npy" in capsys.readouterr().err
    assert cli.main(["compare", str(path), "--providers", "A,B,C"]) == 2


def if_model(k: float) -> onnx.ModelProto:
    """c = a + a; r = If(cond) then c * k else c (the branch reads c and k from the outer scope)."""
    then = helper.make_graph([helper.make_node("Mul", ["c", "k"], ["o"])], "then", [],
                             [helper.make_tensor_value_info("o", TensorProto.FLOAT, None)])
    other = helper.make_graph([helper.make_node("Identity", ["c"], ["o2"])], "else", [],
                              [helper.make_tensor_value_info("o2", TensorProto.FLOAT, None)])
    graph = helper.make_graph(
        [helper.make_node("Add", ["a", "a"], ["c"]),
         helper.make_node("If", ["cond"], ["r"], then_branch=then, else_branch=other),
         helper.make_node("Neg", ["r"], ["d"])],
        "g",
        [helper.make_tensor_value_info("a", TensorProto.FLOAT, ["n"]),
         helper.make_tensor_value_info("cond", TensorProto.BOOL, [])],
        [helper.make_tensor_value_info("d", TensorProto.FLOAT, ["n"])],
        [numpy_helper.from_array(np.array(k, np.float32), "k")],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def test_perturbed_subgraph_names_the_if_node():
    feed = {"a": np.ones(3, np.float32), "cond": np.array(True)}
    table = compare(if_model(3.0), feed, reference_model=if_model(2.0))
    first = table.first_divergence
    assert (first.node_index, first.op_type, first.output) == (1, "If", "r") and "confirmed" in first.note
    assert by_output(table)["d"].status == DIVERGED and not by_output(table)["d"].origin
    assert "first divergence: node #1 (If)" in table.summary()
    assert compare(if_model(3.0), {**feed, "cond": np.array(False)}, reference_model=if_model(2.0)).agree


def test_random_feeds_take_symbolic_sizes_from_the_given_feeds():
    table = compare(if_model(2.0), {"a": np.ones(7, np.float32)})
    assert table.feeds["cond"].shape == () and table.rows[0].shape == (7,)
    assert table.agree
