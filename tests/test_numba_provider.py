"""NumbaExecutionProvider as a provider: availability, the default list, per-node fallback to the NumPy
provider (visible in placement, profiling and `refrt info`), and the warm-up session option.
The kernels themselves are tested in tests/test_numba_*.py."""

from __future__ import annotations

import importlib.util
import json
import warnings

import numpy as np
import pytest
from onnx import TensorProto, helper

import refrt
from refrt import providers as providers_module
from refrt.session import WARM_UP

pytest.importorskip("numba")  # a dev dependency: CI has it; a bare install without the extra has not

NUMBA = ["NumbaExecutionProvider", "CPUExecutionProvider"]


def model_bytes(nodes, inputs, outputs, inits=()) -> bytes:
    graph = helper.make_graph(nodes, "g", inputs, outputs, list(inits))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8).SerializeToString()


def softmax_matmul() -> bytes:
    # Softmax (a Numba kernel) feeding MatMul (BLAS: the NumPy provider's)
    return model_bytes(
        [helper.make_node("Softmax", ["x"], ["s"], axis=-1), helper.make_node("MatMul", ["s", "w"], ["y"])],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 8]),
         helper.make_tensor_value_info("w", TensorProto.FLOAT, [8, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, 3])],
    )


FEEDS = {"x": np.random.default_rng(0).standard_normal((4, 8)).astype(np.float32),
         "w": np.random.default_rng(1).standard_normal((8, 3)).astype(np.float32)}


def test_numba_provider_is_available_but_not_the_default():
    assert refrt.get_available_providers() == ["NumbaExecutionProvider", "CPUExecutionProvider"]
    assert refrt.InferenceSession(softmax_matmul()).get_providers() == ["CPUExecutionProvider"]
    assert refrt.InferenceSession(softmax_matmul(), providers=NUMBA).get_providers() == NUMBA


def test_nodes_numba_lacks_fall_back_per_node_and_results_agree():
    ours = refrt.InferenceSession(softmax_matmul(), providers=NUMBA)
    placement = ours.placement()
    assert placement.get("NumbaExecutionProvider", 0) >= 1 and placement.get("CPUExecutionProvider", 0) >= 1
    reference = refrt.InferenceSession(softmax_matmul()).run(None, FEEDS)
    np.testing.assert_allclose(ours.run(None, FEEDS)[0], reference[0], rtol=1e-6, atol=1e-7)


def test_profiling_names_the_provider_of_each_node(tmp_path):
    so = refrt.SessionOptions()
    so.enable_profiling = True
    so.profile_file_prefix = str(tmp_path / "prof")
    sess = refrt.InferenceSession(softmax_matmul(), so, providers=NUMBA)
    sess.run(None, FEEDS)
    with open(sess.end_profiling()) as f:
        nodes = [e for e in json.load(f) if e.get("cat") == "Node"]
    where = {e["args"]["op_name"]: e["args"]["provider"] for e in nodes}
    assert where == {"Softmax": "NumbaExecutionProvider", "MatMul": "CPUExecutionProvider"}


def test_unavailable_numba_warns_and_falls_back(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(providers_module.importlib.util, "find_spec",
                        lambda name, *a: None if name == "numba" else real(name, *a))
    with pytest.warns(UserWarning, match="'NumbaExecutionProvider' is not in available provider names"):
        sess = refrt.InferenceSession(softmax_matmul(), providers=NUMBA)
    assert sess.get_providers() == ["CPUExecutionProvider"]


def test_cli_info_shows_placement_with_the_providers_asked_for(tmp_path, capsys):
    from refrt import cli

    path = tmp_path / "m.onnx"
    path.write_bytes(softmax_matmul())
    assert cli.main(["info", str(path), "--providers", ",".join(NUMBA)]) == 0
    out = capsys.readouterr().out
    assert "NumbaExecutionProvider 1" in out and "CPUExecutionProvider 1" in out


def test_warm_up_runs_once_at_session_creation(tmp_path):
    so = refrt.SessionOptions()
    so.add_session_config_entry(WARM_UP, "1")
    so.enable_profiling = True
    so.profile_file_prefix = str(tmp_path / "warm")
    sess = refrt.InferenceSession(softmax_matmul(), so, providers=NUMBA)
    with open(sess.end_profiling()) as f:
        runs = [e for e in json.load(f) if e.get("name") == "model_run"]
    assert len(runs) == 1  # the warm-up, before any request


def test_warm_up_that_cannot_run_on_zeros_warns_and_the_session_still_works():
    # Reshape to a shape fed at run time: zeros are no valid shape for 4 elements
    model = model_bytes([helper.make_node("Reshape", ["x", "shape"], ["y"])],
                        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4]),
                         helper.make_tensor_value_info("shape", TensorProto.INT64, [2])],
                        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    so = refrt.SessionOptions()
    so.add_session_config_entry(WARM_UP, "1")
    with pytest.warns(UserWarning, match="warm-up run on zeros failed"):
        sess = refrt.InferenceSession(model, so, providers=NUMBA)
    (y,) = sess.run(None, {"x": np.arange(4, dtype=np.float32), "shape": np.array([2, 2], np.int64)})
    assert y.shape == (2, 2)


def _big_gelu_session(providers):
    io = ([helper.make_tensor_value_info("x", TensorProto.FLOAT, [1_200_000])],
          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1_200_000])])
    model = helper.make_model(helper.make_graph([helper.make_node("Gelu", ["x"], ["y"])], "g", *io),
                              opset_imports=[helper.make_opsetid("", 20)], ir_version=9)
    return refrt.InferenceSession(model.SerializeToString(), providers=providers)


def _run_big_gelus(queue):
    x = np.linspace(-4, 4, 1_200_000, dtype=np.float32)
    a = _big_gelu_session(NUMBA).run(None, {"x": x})[0]
    b = _big_gelu_session(["CPUExecutionProvider"]).run(None, {"x": x})[0]  # intra-op pool chunks
    queue.put(bool(np.array_equal(a, b)))


def test_a_forked_child_runs_kernels_after_the_parent_did():
    # GNU OpenMP (Numba's default threading layer) hangs a forked child whose parent ran a parallel region;
    # refrt's own pool would too if the child reused the parent's pool object
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    _run_big_gelus(queue)  # the parent first
    assert queue.get(timeout=60)
    child = ctx.Process(target=_run_big_gelus, args=(queue,))
    child.start()
    child.join(timeout=120)
    if child.is_alive():
        child.kill()
        pytest.fail("the forked child hung running kernels the parent had run")
    assert child.exitcode == 0 and queue.get(timeout=5)
