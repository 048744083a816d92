"""Every model gives the same results at every optimization level, and the optimized model that
``optimized_model_filepath`` writes is a model onnxruntime runs whenever it holds only standard ops.

Models: the backend suite's model groups (simple, pytorch-converted, pytorch-operator, light) and
tests/models.py. Results at each level are compared with ORT_DISABLE_ALL's, within the suite's
tolerances (the exported models: test_exported_models.py's). The light model-zoo models take most of
the time, so they run at two levels only, ORT_DISABLE_ALL and ORT_ENABLE_ALL (ALL runs every pass of
the levels below it); everything else runs at all five. About 25-45 s on two shared cores, most of
it VGG-19, ZFNet-512 and AlexNet.
"""

from __future__ import annotations

import os
import sys

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import refrt
from models import EXPORTED_MODELS, make_feeds
from refrt import levels
from refrt.cli import main

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from conformance import cases  # noqa: E402
from conformance.compare import assert_similar  # noqa: E402

LEVEL = refrt.GraphOptimizationLevel
LEVELS = list(LEVEL)
GROUPS = ("simple", "pytorch-converted", "pytorch-operator", "light")
STANDARD_DOMAINS = frozenset({"", "ai.onnx", "ai.onnx.ml"})
EXPORTED_RTOL, EXPORTED_ATOL = 1e-4, 1e-5  # as tests/test_exported_models.py
REFS = [ref for group in GROUPS for ref in cases.list_cases(group)]


def run_at_levels(model_path: str, data_sets: list[dict], at_levels, tmp_path) -> dict:
    """Outputs for each data set at each level (or the exception the level raised); levels above
    ORT_DISABLE_ALL also write their optimized model to tmp_path/<LEVEL>.onnx."""
    results = {}
    for level in at_levels:
        so = refrt.SessionOptions()
        so.graph_optimization_level = level
        if level != LEVEL.ORT_DISABLE_ALL:
            so.optimized_model_filepath = str(tmp_path / f"{level.name}.onnx")
        try:
            sess = refrt.InferenceSession(model_path, so, providers=["CPUExecutionProvider"])
            results[level] = [sess.run(None, feeds) for feeds in data_sets]
        except Exception as e:  # noqa: BLE001 - an expected failure must fail alike at every level
            results[level] = e
    return results


def assert_levels_agree(results: dict, rtol: float, atol: float) -> None:
    base = results[LEVEL.ORT_DISABLE_ALL]
    for level, got in results.items():
        if isinstance(base, Exception) or isinstance(got, Exception):
            assert type(got) is type(base), f"{level.name}: {got!r}, unoptimized: {base!r}"
            continue
        for i, (expected, outputs) in enumerate(zip(base, got)):
            try:
                assert_similar(expected, outputs, rtol, atol)
            except AssertionError as e:
                raise AssertionError(f"{level.name}, data set {i}: {e}") from None


def assert_runs_in_onnxruntime(saved_path, original_path: str, data_sets: list[dict], rtol: float, atol: float) -> None:
    """The saved model loads and runs in onnxruntime and agrees with onnxruntime on the original,
    when it holds only standard ops and onnxruntime runs the original at all."""
    import onnxruntime as ort

    saved = onnx.load(str(saved_path))
    if any(n.domain not in STANDARD_DOMAINS for n in _all_nodes(saved.graph)):
        return  # refrt's fused ops: onnxruntime has no kernels for them
    so = ort.SessionOptions()
    so.log_severity_level = 3
    try:
        original = ort.InferenceSession(original_path, so, providers=["CPUExecutionProvider"])
        expected = [original.run(None, feeds) for feeds in data_sets]
    except Exception:  # noqa: BLE001 - onnxruntime cannot run the model itself: nothing to compare
        return
    onnx.checker.check_model(saved)
    sess = ort.InferenceSession(str(saved_path), so, providers=["CPUExecutionProvider"])
    for e, feeds in zip(expected, data_sets):
        assert_similar(e, sess.run(None, feeds), rtol, atol)


def _all_nodes(graph: onnx.GraphProto):
    for node in graph.node:
        yield node
        for a in node.attribute:
            for g in ([a.g] if a.type == onnx.AttributeProto.GRAPH else list(a.graphs)):
                yield from _all_nodes(g)


@pytest.mark.parametrize("ref", REFS, ids=lambda r: r.key)
def test_conformance_model_gives_the_same_results_at_every_level(ref, tmp_path):
    model, data = cases.load(ref)
    results = run_at_levels(ref.model_path, [feeds for feeds, _ in data], LEVELS, tmp_path)
    assert_levels_agree(results, ref.rtol, ref.atol)
    for level in LEVELS[1:]:
        if not isinstance(results[level], Exception):
            assert_runs_in_onnxruntime(tmp_path / f"{level.name}.onnx", ref.model_path, [f for f, _ in data],
                                       ref.rtol, max(ref.atol, 1e-6))


@pytest.mark.parametrize("name", sorted(EXPORTED_MODELS))
def test_exported_model_gives_the_same_results_at_every_level(name, tmp_path):
    model = EXPORTED_MODELS[name]()
    path = str(tmp_path / f"{name}.onnx")
    onnx.save(model, path)
    data_sets = [make_feeds(model, 1), make_feeds(model, 3, seed=1)]
    results = run_at_levels(path, data_sets, LEVELS, tmp_path)
    assert not isinstance(results[LEVEL.ORT_DISABLE_ALL], Exception), results[LEVEL.ORT_DISABLE_ALL]
    assert_levels_agree(results, EXPORTED_RTOL, EXPORTED_ATOL)
    for level in LEVELS[1:]:
        assert_runs_in_onnxruntime(tmp_path / f"{level.name}.onnx", path, data_sets, EXPORTED_RTOL, EXPORTED_ATOL)


def test_saved_model_of_ir_version_3_runs_in_onnxruntime(tmp_path):
    import onnxruntime as ort

    # Before IR 4 every initializer is also a graph input. Reshape to X's own shape is a no-op: once
    # it goes, nobody reads S and the passes drop it.
    s = numpy_helper.from_array(np.array([2, 3], np.int64), "S")
    nodes = [helper.make_node("Reshape", ["X", "S"], ["r"]), helper.make_node("Relu", ["r"], ["Y"])]
    graph = helper.make_graph(nodes, "ir3", [helper.make_tensor_value_info("X", TensorProto.FLOAT, [2, 3]),
                                             helper.make_tensor_value_info("S", TensorProto.INT64, [2])],
                              [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [2, 3])], [s])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 7)], ir_version=3)
    so = refrt.SessionOptions()
    so.optimized_model_filepath = str(tmp_path / "saved.onnx")
    refrt.InferenceSession(model.SerializeToString(), so)
    x = np.arange(-3, 3, dtype=np.float32).reshape(2, 3)
    saved = ort.InferenceSession(so.optimized_model_filepath, providers=["CPUExecutionProvider"])
    np.testing.assert_array_equal(saved.run(None, {"X": x})[0], np.maximum(x, 0))


def test_cli_optimize_writes_the_model_and_reports_each_pass(tmp_path, capsys):
    import onnxruntime as ort

    model = EXPORTED_MODELS["transformer_encoder"]()
    path, out = tmp_path / "encoder.onnx", tmp_path / "encoder.basic.onnx"
    onnx.save(model, path)
    assert main(["optimize", str(path), "-o", str(out), "--level", "basic"]) == 0
    text = capsys.readouterr().out
    assert "level: ORT_ENABLE_BASIC" in text
    for name in levels.BASIC:
        assert f"  {name.__name__} " in text
    n_before = len(model.graph.node)
    saved = onnx.load(str(out))
    assert f"nodes: {n_before} -> {len(saved.graph.node)}" in text
    assert "fusions by kind: none" in text
    feeds = make_feeds(model, 2)
    expected = refrt.InferenceSession(str(path)).run(None, feeds)
    got = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"]).run(None, feeds)
    np.testing.assert_allclose(got[0], expected[0], rtol=EXPORTED_RTOL, atol=EXPORTED_ATOL)


def test_cli_optimize_at_every_level_and_with_a_pass_switched_off(tmp_path, capsys):
    model = EXPORTED_MODELS["mnist_cnn"]()
    path = tmp_path / "cnn.onnx"
    onnx.save(model, path)
    for level in ("basic", "extended", "layout", "all"):
        assert main(["optimize", str(path), "-o", str(tmp_path / f"{level}.onnx"), "--level", level]) == 0
        assert (tmp_path / f"{level}.onnx").stat().st_size > 0
    capsys.readouterr()
    assert main(["optimize", str(path), "-o", str(tmp_path / "x.onnx"), "--level", "basic",
                 "--disable", "eliminate_dead_code"]) == 0
    assert "eliminate_dead_code" not in capsys.readouterr().out
    assert main(["optimize", str(path), "-o", str(tmp_path / "y.onnx"), "--disable", "no_such_pass"]) == 2


def _bench_cases():
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from bench import models as bench_models

    return {name: case for name, case in bench_models.cases().items() if not case.skip and "light" not in case.tags}


BENCH = _bench_cases()


@pytest.mark.parametrize("name", sorted(BENCH))
def test_benchmark_model_gives_the_same_results_at_every_level(name, tmp_path):
    case = BENCH[name]
    model = case.load()
    path = str(tmp_path / f"{name}.onnx")
    onnx.save(model, path)
    results = run_at_levels(path, [case.feeds(model, 1)], LEVELS, tmp_path)
    assert not isinstance(results[LEVEL.ORT_DISABLE_ALL], Exception), results[LEVEL.ORT_DISABLE_ALL]
    assert_levels_agree(results, case.rtol, case.atol)
