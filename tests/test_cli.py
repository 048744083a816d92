"""The refrt command line: run, info, demo."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from refrt.cli import DEMO_MODEL, main


@pytest.fixture
def model_path(tmp_path):
    w = numpy_helper.from_array(np.arange(6, dtype=np.float32).reshape(3, 2), "W")
    nodes = [helper.make_node("MatMul", ["X", "W"], ["h"]), helper.make_node("Relu", ["h"], ["Y"])]
    graph = helper.make_graph(nodes, "cli", [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["batch", 3])],
                              [helper.make_tensor_value_info("Y", TensorProto.FLOAT, ["batch", 2])], [w])
    path = tmp_path / "cli.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    return str(path)


def test_run_with_random_inputs(model_path, capsys):
    assert main(["run", model_path, "--dim", "batch=4", "--repeat", "2"]) == 0
    out = capsys.readouterr().out
    assert "X: float32 [4, 3]" in out and "Y: float32 [4, 2]" in out and "run median" in out


def test_run_with_given_inputs_and_an_intermediate_output(model_path, tmp_path, capsys):
    x = np.ones((2, 3), np.float32)
    np.save(tmp_path / "x.npy", x)
    assert main(["run", model_path, "--input", f"X={tmp_path / 'x.npy'}", "--output", "h", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    expected = x @ np.arange(6, dtype=np.float32).reshape(3, 2)
    assert f"h: float32 [2, 2]  min {expected.min():.6g}  max {expected.max():.6g}" in out


def test_info_shows_ops_parameters_and_coverage(model_path, capsys):
    assert main(["info", model_path]) == 0
    out = capsys.readouterr().out
    assert "parameters: 6 in 1 initializers" in out
    assert "MatMul" in out and "Relu" in out
    assert "kernel coverage" in out and "CPUExecutionProvider" in out
    line = next(l for l in out.splitlines() if l.strip().startswith("Relu(14)"))
    assert "yes" in line


def test_errors_are_reported_not_raised(tmp_path, capsys):
    assert main(["run", str(tmp_path / "missing.onnx")]) == 2
    assert "NO_SUCHFILE" in capsys.readouterr().err


def test_demo_agrees_with_onnxruntime(capsys):
    assert main(["demo", "--repeat", "2"]) == 0
    out = capsys.readouterr().out
    assert "onnxruntime" in out and "agree" in out and "DISAGREE" not in out


def test_demo_model_is_shipped_in_the_package():
    model = onnx.load(DEMO_MODEL)
    onnx.checker.check_model(model)


def test_console_entry_point_and_module(model_path):
    out = subprocess.run([sys.executable, "-m", "refrt", "info", model_path, "--no-session"],
                         capture_output=True, text=True, check=True).stdout
    assert "opsets: ai.onnx=17" in out
