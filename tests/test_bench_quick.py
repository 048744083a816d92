"""The benchmark harness in quick mode (one timed round each, batch 1), so that it cannot rot.

The report runs on three small models with refrt, onnxruntime, onnx.reference and a deliberately
wrong runtime (refrt with its outputs nudged), and must refuse the wrong one; the pytest-benchmark
files run with ``--bench-quick``. The times themselves mean nothing here.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from bench import report, workloads  # noqa: E402

SMALL = ["mlp", "mnist_cnn", "lstm"]
WRONG = "refrt-nudged"


def _nudged(model, threads):
    """refrt, with 1e-3 added to every float output: close, and still wrong."""
    run = workloads.factory("refrt")(model, threads)
    return lambda feeds: [o + np.asarray(1e-3, o.dtype) if o.dtype.kind == "f" else o for o in run(feeds)]


@pytest.fixture(scope="module")
def quick_report(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bench")
    mp = pytest.MonkeyPatch()
    mp.setitem(workloads.RUNTIME_FACTORIES, WRONG, _nudged)
    try:
        out = tmp / "report.json"
        argv = [*SMALL, "--quick", "--cache", str(tmp / "cache"), "--out", str(out),
                "--markdown", str(tmp / "report.md"),
                "--runtimes", "refrt", workloads.ORT, workloads.REFERENCE, WRONG]
        t0 = time.perf_counter()
        rc = report.main(argv)
        elapsed = time.perf_counter() - t0
    finally:
        mp.undo()
    return tmp, rc, json.loads(out.read_text()), elapsed


def test_quick_report_writes_table_json_and_chart(quick_report, capsys):
    tmp, rc, data, elapsed = quick_report
    assert elapsed < 60
    assert [r["model"] for r in data["results"]] == SMALL
    assert data["settings"]["thread_modes"] == ["1", "default"]
    for row in data["results"]:
        for mode in ("1", "default"):
            entries = row["threads"][mode]["runtimes"]
            for rt in ("refrt", workloads.ORT, workloads.REFERENCE):
                assert entries[rt]["rounds"] == 1 and entries[rt]["median_s"] > 0
                assert entries[rt]["session_s"] > 0
            assert set(row["threads"][mode]["ratios"]) == {"refrt/onnxruntime", "onnx.reference/refrt"}
        for rt in ("refrt", workloads.ORT, workloads.REFERENCE):  # fresh-process peak RSS
            assert row["memory"][rt]["peak_mib"] >= 0, row["memory"][rt]
        assert WRONG not in row["memory"]  # a fake exists only in this process
    assert data["machine"]["blas"]["threadpools"]
    assert data["per_node_overhead"]["refrt"]["us_per_node"] > 0
    png = (tmp / "report.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) < 300_000
    md = (tmp / "report.md").read_text()
    assert "| model | batch | refrt ms |" in md and "refrt-nudged refused" in md


def test_quick_report_refuses_a_wrong_runtime(quick_report):
    tmp, rc, data, _ = quick_report
    for row in data["results"]:
        for mode in ("1", "default"):
            wrong = row["threads"][mode]["runtimes"][WRONG]
            assert "output 0" in wrong["refused"]
            assert "median_s" not in wrong and "times_s" not in wrong  # never timed
    assert rc == 1  # a refrt runtime was refused: the command fails
    text = report.format_report(data)
    assert text.count("refused") >= len(SMALL) and "refrt/onnxruntime" in text


def test_time_cap_records_one_run():
    settings = report.Settings(cap_s=0.01, capped=("slow",), pause_s=0)
    runners = {"fast": lambda: None, "slow": lambda: time.sleep(0.02)}
    timing = report.time_alternating(runners, {"fast": 5, "slow": 3}, settings)
    assert timing["fast"]["rounds"] == 5 and "capped" not in timing["fast"]
    assert timing["slow"]["rounds"] == 1 and "capped" in timing["slow"]
    assert settings.rounds("slow", 0.5) == (1, True)
    assert settings.rounds("fast", 0.5) == (settings.min_rounds, False)


def test_refrt_bench_on_a_users_model(tmp_path, capsys):
    from refrt import cli

    node = helper.make_node("Gemm", ["x", "w"], ["y"])
    graph = helper.make_graph([node], "user", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 3])],
                              [helper.make_tensor("w", TensorProto.FLOAT, [4, 3], np.arange(12.0))])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    path = tmp_path / "user_gemm.onnx"
    onnx.save(model, path)
    rc = cli.main(["bench", str(path), "--quick", "--threads", "1", "--no-memory", "--chain-rounds", "0",
                   "--batch", "1", "3", "--out", str(tmp_path / "r.json")])
    assert rc == 0
    data = json.loads((tmp_path / "r.json").read_text())
    assert [(r["model"], r["batch"]) for r in data["results"]] == [("user_gemm", 1), ("user_gemm", 3)]
    assert "user_gemm" in capsys.readouterr().out


def test_pytest_benchmark_files_run_quick():
    pytest.importorskip("pytest_benchmark")
    proc = subprocess.run([sys.executable, "-m", "pytest", "bench", "--bench-quick", "-q", "-p", "no:cacheprovider",
                           "--benchmark-disable-gc", "--benchmark-columns=median"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    summary = proc.stdout.strip().splitlines()[-1]
    assert " passed" in summary and not re.search(r"\d+ (failed|error)", summary), summary


def test_levels_compare_reports_both_levels_and_the_fusions():
    from bench import levels_compare

    ((name, written, optimized, n_before, n_after, fused, peak0, peak1),) = levels_compare.compare(["mlp"], rounds=1)
    assert name == "mlp" and written > 0 and optimized > 0
    assert n_after < n_before and fused.get("FusedGemm", 0) >= 1
    assert 0 < peak1 <= peak0  # the fused Gemm + Relu keeps one intermediate fewer alive


def test_levels_compare_times_session_creation_against_onnxruntime():
    from bench import levels_compare

    ((name, ours, theirs),) = levels_compare.session_times(["mlp"], rounds=1)
    assert name == "mlp" and ours > 0 and theirs > 0


def test_mismatch_forgives_a_label_only_where_the_probabilities_tie():
    from bench import workloads

    probs = np.array([[0.5, 0.5], [0.2, 0.8]], np.float32)
    labels = np.array([0, 1], np.int64)
    assert workloads.mismatch([labels, probs], [np.array([1, 1], np.int64), probs]) is None  # row 0 ties
    why = workloads.mismatch([labels, probs], [np.array([0, 0], np.int64), probs])  # row 1 does not
    assert why is not None and "output 0" in why
