"""The conformance runner's machinery: the watchdog pool, the expected-failure list, the comparison
rule, onnxruntime's adapter, and the ``refrt conformance`` command."""

from __future__ import annotations

import os
import signal
import sys
import time

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from conformance import cases, compare, runner  # noqa: E402
from conformance.pool import Failure, run_tasks  # noqa: E402


def _work(item):
    if item == "hang":
        time.sleep(60)
    if item == "crash":
        os.kill(os.getpid(), signal.SIGSEGV)
    if item == "exit":
        os._exit(3)
    if item == "raise":
        raise ValueError("bad input")
    return item * 2


def test_pool_survives_hangs_crashes_and_exceptions():
    items = ["a", "hang", "b", "crash", "c", "exit", "raise", "d"]
    start = time.perf_counter()
    got = dict(run_tasks(_work, items, jobs=2, timeout=1.0))
    assert time.perf_counter() - start < 20
    assert got["a"] == "aa" and got["b"] == "bb" and got["c"] == "cc" and got["d"] == "dd"
    assert got["hang"] == Failure("timeout after 1s")
    assert got["crash"].reason.startswith("crashed") and "signal 11" in got["crash"].reason
    assert got["exit"].reason == "crashed: worker exit code 3"
    assert got["raise"] == Failure("ValueError: bad input")


def test_pool_in_process_has_a_watchdog_too():
    got = dict(run_tasks(_work, ["a", "hang", "raise"], jobs=0, timeout=0.5))
    assert got == {"a": "aa", "hang": Failure("timeout after 0.5s"), "raise": Failure("ValueError: bad input")}


def test_expected_failures_parse_and_settle(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text(
        "# comment\n"
        "node/test_a   a reason\n"
        "sweep/Gather-*/string,*   a family\n"
    )
    ef = runner.ExpectedFailures.read(str(path))
    assert ef.reason("node/test_a") == "a reason"
    assert ef.reason("sweep/Gather-13/string,int64/x") == "a family"
    assert ef.reason("node/test_b") is None
    # One member of the family still fails: the passing member is simply passing.
    settled = ef.settle({"sweep/Gather-13/string,int64/x": True, "sweep/Gather-11/string,int64/x": False, "node/test_a": False})
    assert settled["sweep/Gather-11/string,int64/x"] is None
    assert settled["node/test_a"] == "a reason"  # an exact entry that passes: an unexpected pass
    # No member fails any more: every member is an unexpected pass.
    settled = ef.settle({"sweep/Gather-13/string,int64/x": False})
    assert settled["sweep/Gather-13/string,int64/x"] == "a family"
    assert ef.unknown("node", {"node/test_c"}) == ["node/test_a"]


def test_expected_failures_reject_lines_without_reason(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("node/test_a\n")
    with pytest.raises(ValueError, match="reason"):
        runner.ExpectedFailures.read(str(path))


def test_the_shipped_list_parses():
    ef = runner.ExpectedFailures.read()
    assert all(key.split("/", 1)[0] in (*cases.GROUPS, "sweep") for key in ef.entries)


def test_comparison_rule_is_onnx_with_sequences_and_optionals():
    compare.assert_similar([np.float32(1.0)], [np.array(1.0005, np.float32)], 1e-3, 1e-7)
    compare.assert_similar([[np.array(1.0), np.array(2.0)]], [[np.array(1.0), np.array(2.0)]], 1e-3, 1e-7)  # 0-d elements
    compare.assert_similar([None], [None], 1e-3, 1e-7)
    with pytest.raises(AssertionError, match="output 0"):
        compare.assert_similar([np.array([1.0, 2.0])], [np.array([1.0, 2.1])], 1e-3, 1e-7)
    with pytest.raises(AssertionError):
        compare.assert_similar([np.array([1], np.int64)], [np.array([1], np.int32)], 1e-3, 1e-7)
    with pytest.raises(AssertionError, match="None"):
        compare.assert_similar([None], [np.zeros(1)], 1e-3, 1e-7)


def test_onnxruntime_adapter_feeds_and_reads_bfloat16():
    import ml_dtypes
    import onnxruntime as ort

    node = helper.make_node("Identity", ["x"], ["y"])
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.BFLOAT16, [3])],
                              [helper.make_tensor_value_info("y", TensorProto.BFLOAT16, [3])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
    model.ir_version = 8
    x = np.array([1.5, -2, 3], ml_dtypes.bfloat16)
    adapted, feeds, restore = compare.for_onnxruntime(model, {"x": x})
    assert adapted is not None and feeds == {}
    sess = ort.InferenceSession(adapted.SerializeToString(), providers=["CPUExecutionProvider"])
    (y,) = restore(sess.run(None, feeds))
    assert y.dtype == x.dtype and np.array_equal(y, x)


def test_check_case_records_outcome_and_onnxruntime_verdict():
    ref = next(r for r in cases.list_cases("simple") if r.name == "test_single_relu_model")
    record = runner.check_case((ref, ("CPUExecutionProvider",), True))
    assert record["status"] == "pass" and record["ort"] == "agree" and record["ort_expected"] == "pass"


def test_run_group_filter_and_results_file(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "RESULTS", str(tmp_path))
    res = runner.run_group("node", pattern="^test_relu$", progress=False, jobs=0)
    assert list(res.records) == ["test_relu"] and res.records["test_relu"]["ort"] == "agree"
    path = runner.write_results(res, ("CPUExecutionProvider",), "^test_relu$")
    import json

    doc = json.load(open(path))
    assert doc["passed"] == ["test_relu"] and doc["failed"] == {} and "cases" in doc


def test_run_backend_command_line_keeps_its_summary(capsys, monkeypatch, tmp_path):
    from conformance import run_backend

    monkeypatch.setattr(runner, "RESULTS", str(tmp_path))
    assert run_backend.main(["--filter", "^test_(relu|abs)$", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "node: 2 passed, 0 failed of 2" in out
    assert "vs onnxruntime" in out


def test_refrt_conformance_subcommand(capsys, monkeypatch, tmp_path):
    from refrt import cli

    monkeypatch.setattr(runner, "RESULTS", str(tmp_path))
    assert cli.main(["conformance", "--kind", "node", "--filter", "^test_relu$", "--no-progress", "--no-ort"]) == 0
    assert "node: 1 passed, 0 failed of 1" in capsys.readouterr().out


def test_node_cases_come_from_onnx_generators():
    refs = cases.list_cases("node")
    names = {r.name for r in refs}
    assert {"test_relu", "test_loop11", "test_resize_downsample_scales_linear"} <= names
    model, data_sets = cases.load(next(r for r in refs if r.name == "test_relu"))
    assert model.graph.node[0].op_type == "Relu" and len(data_sets) == 1
    assert isinstance(onnx.load(refs[0].model_path), onnx.ModelProto)
