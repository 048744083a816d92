"""refrt.slice_model / save_sliced / ``refrt slice``: small graphs built here, external data, and the
acceptance check: every conformance model onnxruntime can run, sliced at a random intermediate tensor,
gives in refrt and in onnxruntime the values the full model computes there.
"""

from __future__ import annotations

import argparse
import os
import sys
import zlib

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

import refrt
from refrt.errors import InvalidArgument
from refrt.slicing import add_cli, save_sliced, slice_model

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from conformance import cases  # noqa: E402
from conformance.compare import assert_similar, for_onnxruntime  # noqa: E402

F = TensorProto.FLOAT


def ort_session(model_or_path):
    so = ort.SessionOptions()
    so.log_severity_level = 3
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    source = model_or_path.SerializeToString() if isinstance(model_or_path, onnx.ModelProto) else model_or_path
    return ort.InferenceSession(source, so, providers=["CPUExecutionProvider"])


def make_model(nodes, inputs, outputs, initializers=(), value_info=(), opset=17, functions=(), **kw):
    graph = helper.make_graph(nodes, "g", inputs, outputs, list(initializers), value_info=list(value_info))
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", opset), *kw.pop("extra_opsets", [])], functions=list(functions), **kw
    )
    model.ir_version = 8
    return model


def chain_model():
    """x -> Relu -> a -> Mul(w) -> b -> Exp -> c ; y -> Neg -> d ; Add(b, d) -> e.

    Relu and Exp share the name 'n' (onnxruntime refuses the whole model for it), the others have none.
    """
    w = numpy_helper.from_array(np.full((2, 3), 0.5, np.float32), "w")
    nodes = [
        helper.make_node("Relu", ["x"], ["a"], name="n"),
        helper.make_node("Mul", ["a", "w"], ["b"]),
        helper.make_node("Exp", ["b"], ["c"], name="n"),
        helper.make_node("Neg", ["y"], ["d"]),
        helper.make_node("Add", ["b", "d"], ["e"]),
    ]
    model = make_model(
        nodes,
        [helper.make_tensor_value_info("x", F, [2, 3]), helper.make_tensor_value_info("y", F, ["N", 3])],
        [helper.make_tensor_value_info("c", F, [2, 3]), helper.make_tensor_value_info("e", F, None)],
        [w],
    )
    helper.set_model_props(model, {"author": "tests"})
    return model


FEEDS = {"x": np.arange(-3, 3, dtype=np.float32).reshape(2, 3), "y": np.ones((2, 3), np.float32)}


# ----------------------------------------------------------------------------------------------
# Small graphs


def test_keeps_only_what_the_outputs_need_by_position():
    model = chain_model()
    sliced = slice_model(model, ["b"])
    assert [(n.op_type, n.name) for n in sliced.graph.node] == [("Relu", "n"), ("Mul", "")]
    assert [vi.name for vi in sliced.graph.input] == ["x"]
    assert [t.name for t in sliced.graph.initializer] == ["w"]
    out = sliced.graph.output[0]
    assert out.name == "b" and out.type.tensor_type.elem_type == F
    assert [d.dim_value for d in out.type.tensor_type.shape.dim] == [2, 3]  # from shape inference
    assert sliced.ir_version == model.ir_version and list(sliced.opset_import) == list(model.opset_import)
    assert sliced.metadata_props[0].value == "tests"
    onnx.checker.check_model(sliced, full_check=True)
    (expected,) = refrt.InferenceSession(model.SerializeToString()).run(["b"], FEEDS)
    (theirs,) = ort_session(sliced).run(None, {"x": FEEDS["x"]})
    (ours,) = refrt.InferenceSession(sliced.SerializeToString()).run(None, {"x": FEEDS["x"]})
    np.testing.assert_array_equal(theirs, expected)
    np.testing.assert_array_equal(ours, expected)
    # Both nodes named 'n' kept: refrt runs it (onnxruntime refuses duplicate node names outright).
    both = slice_model(model, ["c"])
    assert [(n.op_type, n.name) for n in both.graph.node] == [("Relu", "n"), ("Mul", ""), ("Exp", "n")]
    (got,) = refrt.InferenceSession(both.SerializeToString()).run(None, {"x": FEEDS["x"]})
    np.testing.assert_allclose(got, np.exp(expected), rtol=1e-6)


def test_several_outputs_and_a_graph_output_keep_their_declared_types():
    sliced = slice_model(chain_model(), ["e", "a"])
    assert [n.op_type for n in sliced.graph.node] == ["Relu", "Mul", "Neg", "Add"]
    assert [vi.name for vi in sliced.graph.input] == ["x", "y"]
    # 'e' is declared untyped-shape in the model, so its declaration is kept; 'a' comes from inference.
    assert [vi.name for vi in sliced.graph.output] == ["e", "a"]
    got = ort_session(sliced).run(None, FEEDS)
    want = refrt.InferenceSession(chain_model().SerializeToString()).run(["e", "a"], FEEDS)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-6)


def test_inputs_cut_the_graph():
    model = chain_model()
    sliced = slice_model(model, ["c", "e"], inputs=["b", "d"])
    assert [n.op_type for n in sliced.graph.node] == ["Exp", "Add"]
    assert [vi.name for vi in sliced.graph.input] == ["b", "d"]
    assert not sliced.graph.initializer  # 'w' only fed Mul, which is cut away
    d_type = sliced.graph.input[1].type.tensor_type
    assert d_type.elem_type == F and d_type.shape.dim[0].dim_param == "N"  # symbolic dim kept
    b = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)
    got = ort_session(sliced).run(None, {"b": b, "d": np.ones((2, 3), np.float32)})
    np.testing.assert_allclose(got[0], np.exp(b), rtol=1e-6)
    np.testing.assert_allclose(got[1], b + 1, rtol=1e-6)


def test_unknown_names_are_all_listed():
    with pytest.raises(InvalidArgument) as e:
        slice_model(chain_model(), ["c", "nope", "nada"], inputs=["zilch"])
    text = str(e.value)
    assert "['nope', 'nada']" in text and "['zilch']" in text and "INVALID_ARGUMENT" in text


def test_inputs_that_do_not_cut_every_path_are_named():
    with pytest.raises(InvalidArgument) as e:
        slice_model(chain_model(), ["e"], inputs=["a"])  # y -> Neg -> d -> Add still reaches e
    assert "graph inputs ['y'] still reach" in str(e.value)
    # Cutting at an original input is fine.
    sliced = slice_model(chain_model(), ["e"], inputs=["a", "y"])
    assert [n.op_type for n in sliced.graph.node] == ["Mul", "Neg", "Add"]


def test_values_nothing_defines_are_named():
    nodes = [helper.make_node("Add", ["x", "ghost"], ["s"]), helper.make_node("Neg", ["s"], ["t"])]
    model = make_model(nodes, [helper.make_tensor_value_info("x", F, [2])], [helper.make_tensor_value_info("t", F, [2])])
    with pytest.raises(InvalidArgument, match=r"\['ghost'\]"):
        slice_model(model, ["t"])
    with pytest.raises(InvalidArgument, match=r"values \['ghost'\] that nothing defines"):
        slice_model(model, ["t"], inputs=["x"])
    assert [n.op_type for n in slice_model(model, ["t"], inputs=["s"]).graph.node] == ["Neg"]


def test_an_input_that_a_kept_node_also_produces_is_refused():
    nodes = [helper.make_node("Split", ["x"], ["p", "q"], axis=0, num_outputs=2), helper.make_node("Add", ["p", "q"], ["s"])]
    model = make_model(nodes, [helper.make_tensor_value_info("x", F, [4])], [helper.make_tensor_value_info("s", F, [2])], opset=18)
    with pytest.raises(InvalidArgument, match="also an output of node #0 Split"):
        slice_model(model, ["s"], inputs=["p", "x"])


def test_an_if_body_keeps_the_producers_of_the_outer_values_it_reads():
    then_g = helper.make_graph([helper.make_node("Identity", ["outer"], ["r"])], "then", [],
                               [helper.make_tensor_value_info("r", F, [3])])
    else_g = helper.make_graph([helper.make_node("Neg", ["outer"], ["r2"])], "else", [],
                               [helper.make_tensor_value_info("r2", F, [3])])
    nodes = [
        helper.make_node("Sigmoid", ["x"], ["outer"]),
        helper.make_node("Cos", ["x"], ["unused"]),
        helper.make_node("If", ["cond"], ["res"], then_branch=then_g, else_branch=else_g),
        helper.make_node("Abs", ["res"], ["out"]),
    ]
    model = make_model(
        nodes,
        [helper.make_tensor_value_info("x", F, [3]), helper.make_tensor_value_info("cond", TensorProto.BOOL, [])],
        [helper.make_tensor_value_info("out", F, [3]), helper.make_tensor_value_info("unused", F, [3])],
    )
    sliced = slice_model(model, ["res"])
    assert [n.op_type for n in sliced.graph.node] == ["Sigmoid", "If"]
    assert {vi.name for vi in sliced.graph.input} == {"x", "cond"}
    x = np.array([-1, 0, 2], np.float32)
    for cond in (True, False):
        (got,) = ort_session(sliced).run(None, {"x": x, "cond": np.array(cond)})
        want = 1 / (1 + np.exp(-x))
        np.testing.assert_allclose(got, want if cond else -want, rtol=1e-6)
    # Cutting at the outer value drops its producer and feeds the body from the new input.
    cut = slice_model(model, ["res"], inputs=["outer", "cond"])
    assert [n.op_type for n in cut.graph.node] == ["If"]
    (got,) = refrt.InferenceSession(cut.SerializeToString()).run(None, {"outer": x, "cond": np.array(False)})
    np.testing.assert_array_equal(got, -x)


def test_local_functions_are_kept_only_when_used():
    dbl = helper.make_function("local", "Double", ["t"], ["u"], [helper.make_node("Add", ["t", "t"], ["u"])],
                               [helper.make_opsetid("", 17)])
    quad = helper.make_function("local", "Quad", ["t"], ["u"], [helper.make_node("Double", ["t"], ["h"], domain="local"),
                                                                 helper.make_node("Double", ["h"], ["u"], domain="local")],
                                [helper.make_opsetid("", 17), helper.make_opsetid("local", 1)])
    unused = helper.make_function("local", "Unused", ["t"], ["u"], [helper.make_node("Neg", ["t"], ["u"])],
                                  [helper.make_opsetid("", 17)])
    nodes = [helper.make_node("Quad", ["x"], ["q"], domain="local"), helper.make_node("Unused", ["q"], ["z"], domain="local")]
    model = make_model(nodes, [helper.make_tensor_value_info("x", F, [2])], [helper.make_tensor_value_info("z", F, [2])],
                       functions=[dbl, quad, unused], extra_opsets=[helper.make_opsetid("local", 1)])
    sliced = slice_model(model, ["q"])
    assert [f.name for f in sliced.functions] == ["Double", "Quad"]  # Double through Quad's body
    assert sliced.graph.output[0].type.tensor_type.elem_type == F  # inferred through the function
    (got,) = ort_session(sliced).run(None, {"x": np.array([1, 2], np.float32)})
    np.testing.assert_array_equal(got, [4, 8])


def test_unordered_nodes_come_out_in_topological_order():
    model = chain_model()
    nodes = list(model.graph.node)
    del model.graph.node[:]
    model.graph.node.extend(reversed(nodes))
    sliced = slice_model(model, ["c"])
    assert [n.op_type for n in sliced.graph.node] == ["Relu", "Mul", "Exp"]
    onnx.checker.check_model(sliced)


def test_the_given_model_is_left_alone():
    model = chain_model()
    before = model.SerializeToString()
    slice_model(model, ["b"], inputs=["a"])
    assert model.SerializeToString() == before


# ----------------------------------------------------------------------------------------------
# External data and files


def big_model(folder, name="big.onnx"):
    """Three 64 KiB weights saved as external data in one file; only w0 feeds y0."""
    ws = [numpy_helper.from_array(np.full((128, 128), i + 1, np.float32), f"w{i}") for i in range(3)]
    nodes = [helper.make_node("MatMul", ["x", f"w{i}"], [f"y{i}"]) for i in range(3)]
    nodes.append(helper.make_node("Sum", ["y0", "y1", "y2"], ["s"]))
    model = make_model(nodes, [helper.make_tensor_value_info("x", F, [1, 128])],
                       [helper.make_tensor_value_info("s", F, [1, 128])], ws)
    path = os.path.join(folder, name)
    os.makedirs(folder, exist_ok=True)
    onnx.save_model(model, path, save_as_external_data=True, location="weights.bin", size_threshold=0)
    return path


def test_external_data_from_a_path_stays_a_reference(tmp_path):
    path = big_model(str(tmp_path))
    sliced = slice_model(path, ["y0"])
    (w,) = sliced.graph.initializer
    assert w.name == "w0" and not w.HasField("raw_data")  # not loaded into memory
    assert w.data_location == TensorProto.EXTERNAL and {e.key: e.value for e in w.external_data}["location"] == "weights.bin"
    # Saved beside the source: it reads the original file, nothing is copied.
    out = tmp_path / "head.onnx"
    save_sliced(path, out, ["y0"])
    assert not os.path.exists(str(out) + ".data")
    x = np.ones((1, 128), np.float32)
    (got,) = ort_session(str(out)).run(None, {"x": x})
    np.testing.assert_array_equal(got, np.full((1, 128), 128, np.float32))
    (ours,) = refrt.InferenceSession(str(out)).run(None, {"x": x})
    np.testing.assert_array_equal(ours, got)


def test_external_data_saved_elsewhere_copies_only_the_kept_tensors(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    path = big_model(str(src))
    out = tmp_path / "elsewhere" / "head.onnx"
    save_sliced(path, out, ["y1", "y2"])
    data = str(out) + ".data"
    assert os.path.getsize(data) < os.path.getsize(src / "weights.bin")  # w0 left behind
    assert os.path.getsize(data) >= 2 * 128 * 128 * 4
    x = np.ones((1, 128), np.float32)
    got = ort_session(str(out)).run(None, {"x": x})
    np.testing.assert_array_equal(got[0], np.full((1, 128), 256, np.float32))
    np.testing.assert_array_equal(got[1], np.full((1, 128), 384, np.float32))
    ours = refrt.InferenceSession(str(out)).run(None, {"x": x})
    np.testing.assert_array_equal(ours[1], got[1])


def test_in_memory_model_can_be_written_with_external_data(tmp_path):
    """The path a model over protobuf's 2 GB limit takes (forced here on a small one)."""
    path = big_model(str(tmp_path / "a"))
    model = onnx.load(path)  # weights in memory
    out = tmp_path / "b" / "s.onnx"
    written = save_sliced(model, out, ["s"], external_data=True)
    assert all(t.data_location == TensorProto.EXTERNAL for t in written.graph.initializer)
    assert os.path.getsize(out) < 4096 and os.path.getsize(str(out) + ".data") >= 3 * 128 * 128 * 4
    (got,) = ort_session(str(out)).run(None, {"x": np.ones((1, 128), np.float32)})
    np.testing.assert_array_equal(got, np.full((1, 128), 768, np.float32))
    # Shape inference sees the large weights as type and dims only, and still types the cut.
    y1 = slice_model(model, ["y1"]).graph.output[0].type.tensor_type
    assert [d.dim_value for d in y1.shape.dim] == [1, 128]
    # auto: a small model is written in one file
    small = tmp_path / "b" / "t.onnx"
    save_sliced(model, small, ["s"])
    assert not os.path.exists(str(small) + ".data") and os.path.getsize(small) > 3 * 128 * 128 * 4


def test_external_data_outside_the_folder_is_refused(tmp_path):
    path = big_model(str(tmp_path / "m"))
    model = onnx.load(path, load_external_data=False)
    for t in model.graph.initializer:
        for e in t.external_data:
            if e.key == "location":
                e.value = "../secret.bin"
    (tmp_path / "secret.bin").write_bytes(b"\0" * 200000)
    bad = tmp_path / "m" / "bad.onnx"
    onnx.save_model(model, bad)
    for out in (tmp_path / "out" / "x.onnx", tmp_path / "m" / "x.onnx"):  # copied, or referred to in place
        with pytest.raises(InvalidArgument, match="escapes the model's folder"):
            save_sliced(bad, out, ["y0"])
        assert not os.path.exists(out)


def test_external_data_of_an_in_memory_reference_needs_its_folder(tmp_path):
    model = onnx.load(big_model(str(tmp_path)), load_external_data=False)
    with pytest.raises(InvalidArgument, match="without its folder"):
        save_sliced(model, tmp_path / "o" / "x.onnx", ["y0"])


# ----------------------------------------------------------------------------------------------
# The command


def run_cli(argv):
    parser = argparse.ArgumentParser(prog="refrt")
    add_cli(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_writes_a_model_onnxruntime_runs(tmp_path, capsys):
    src = tmp_path / "chain.onnx"
    onnx.save_model(chain_model(), src)
    out = tmp_path / "cut.onnx"
    assert run_cli(["slice", str(src), "-o", str(out), "--outputs", "c,e", "--inputs", "b,y"]) == 0
    text = capsys.readouterr().out
    assert "kept 3 of 5 nodes" in text and "b: tensor(float) [2, 3]" in text
    b = np.full((2, 3), 0.5, np.float32)
    got = ort_session(str(out)).run(None, {"b": b, "y": FEEDS["y"]})
    np.testing.assert_allclose(got[0], np.exp(b), rtol=1e-6)
    np.testing.assert_allclose(got[1], b - 1, rtol=1e-6)


def test_cli_reports_unknown_names(tmp_path):
    src = tmp_path / "chain.onnx"
    onnx.save_model(chain_model(), src)
    with pytest.raises(InvalidArgument, match=r"\['zz'\]"):
        run_cli(["slice", str(src), "-o", str(tmp_path / "o.onnx"), "--outputs", "zz"])
    from refrt import cli

    if "slicing" in cli.FEATURE_CLIS:  # through the real command: a clean one-line error, status 2
        assert cli.main(["slice", str(src), "-o", str(tmp_path / "o.onnx"), "--outputs", "zz"]) == 2


# ----------------------------------------------------------------------------------------------
# Acceptance: the conformance models, each sliced at a random intermediate tensor

GROUPS = ("simple", "pytorch-converted", "pytorch-operator", "light")
# The light models that take 2 to 6 s each here (their weights are the largest): -m slow.
SLOW_LIGHT = {"test_vgg19", "test_bvlc_alexnet", "test_densenet121", "test_zfnet512"}


def _conformance_refs():
    refs = []
    for group in GROUPS:
        for ref in cases.list_cases(group):
            marks = [pytest.mark.slow] if group == "light" and ref.name in SLOW_LIGHT else []
            refs.append(pytest.param(ref, id=ref.key, marks=marks))
    return refs


def pick_intermediate(model: onnx.ModelProto, types: dict, seed: int) -> str | None:
    """A node output of the main graph that is a tensor; graph outputs only when nothing else is."""
    outputs = {vi.name for vi in model.graph.output}
    tensors = [o for n in model.graph.node for o in n.output if o and types.get(o) == "tensor_type"]
    inner = [o for o in tensors if o not in outputs]
    pool = inner or tensors
    return pool[np.random.default_rng(seed).integers(len(pool))] if pool else None


@pytest.mark.parametrize("ref", _conformance_refs())
def test_conformance_model_sliced_at_a_random_intermediate(ref):
    from refrt.slicing import _Slicer

    model, data_sets = cases.load(ref)
    feeds = data_sets[0][0]

    slicer = _Slicer(model)
    types = {n: t.WhichOneof("value") for n, t in slicer.types().items()}
    name = pick_intermediate(model, types, seed=zlib.crc32(ref.key.encode()))
    if name is None:
        pytest.skip("no node output is a tensor")
    sliced = slice_model(model, [name])
    assert [vi.name for vi in sliced.graph.output] == [name]
    assert len(sliced.graph.node) <= len(model.graph.node)
    sliced_feeds = {vi.name: feeds[vi.name] for vi in sliced.graph.input if vi.name in feeds}

    # refrt: the full model asked for the intermediate, and the sliced model.
    (want,) = refrt.InferenceSession(ref.model_path).run([name], feeds)
    (ours,) = refrt.InferenceSession(sliced.SerializeToString()).run(None, sliced_feeds)
    assert_similar([want], [ours], ref.rtol, ref.atol)  # refrt: sliced == full model's intermediate
    try:
        ort_session(ref.model_path)
    except Exception as e:  # noqa: BLE001
        pytest.skip(f"refrt checked; onnxruntime cannot run the full model: {str(e).splitlines()[0][:160]}")
    # onnxruntime: the full model with the intermediate added as an output, and the sliced model.
    with_output = onnx.ModelProto()
    with_output.CopyFrom(model)
    if name not in {vi.name for vi in model.graph.output}:
        with_output.graph.output.append(sliced.graph.output[0])
    adapted, ort_feeds, restore = for_onnxruntime(with_output, feeds)
    full = ort_session(adapted or with_output).run([name], ort_feeds)[0]
    adapted, ort_feeds, restore = for_onnxruntime(sliced, sliced_feeds)
    (theirs,) = restore(ort_session(adapted or sliced).run(None, ort_feeds))

    assert_similar([full], [theirs], ref.rtol, ref.atol)  # onnxruntime: sliced == full model's intermediate
    assert_similar([full], [ours], ref.rtol, ref.atol)  # and the two runtimes agree
