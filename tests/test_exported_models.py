"""Whole models in the shape torch.onnx.export writes them: refrt must agree with onnxruntime.

The models come from ``models.py`` (random weights, fixed seeds, symbolic batch). Each runs at
batch 1 and batch 3, so a kernel that only works for one row, or a shape computed once and
reused, shows up here rather than in a user's notebook.
"""

from __future__ import annotations

import copy
import pathlib

import numpy as np
import onnx
import pytest

from models import EXPORTED_MODELS, make_feeds
from oracle import assert_same, check_model, run_ort

import refrt

# float32 through whole models, summed in another order than onnxruntime: every model here agrees
# this closely (onnx.reference does too), so none gets a looser tolerance.
RTOL, ATOL = 1e-4, 1e-5


@pytest.fixture(scope="module", params=sorted(EXPORTED_MODELS))
def exported(request) -> tuple[str, onnx.ModelProto]:
    return request.param, EXPORTED_MODELS[request.param]()


@pytest.mark.parametrize("batch", [1, 3])
def test_matches_onnxruntime(exported, batch):
    _, model = exported
    check_model(model, make_feeds(model, batch), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("as_path", [str, pathlib.Path], ids=["str", "pathlib"])
def test_runs_after_save_and_load(exported, as_path, tmp_path):
    """A model saved to disk and opened by path (the usual way) gives onnxruntime's answer."""
    name, model = exported
    path = tmp_path / f"{name}.onnx"
    onnx.save(model, path)
    feeds = make_feeds(model, 3, seed=1)
    got = refrt.InferenceSession(as_path(path), providers=["CPUExecutionProvider"]).run(None, feeds)
    assert_same(run_ort(model, feeds), got, RTOL, ATOL)


def test_runs_with_external_data(tmp_path):
    """Large exports keep weights in a side file next to the .onnx; it must be found from the path."""
    model = EXPORTED_MODELS["mlp_gemm"]()
    path = tmp_path / "mlp.onnx"
    # onnx.save moves the weights of the proto it is given out to the side file: give it a copy.
    onnx.save(copy.deepcopy(model), path, save_as_external_data=True, all_tensors_to_one_file=True,
              location="mlp.weights", size_threshold=1024)
    assert (tmp_path / "mlp.weights").stat().st_size > 1_000_000
    feeds = make_feeds(model, 3)
    got = refrt.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, feeds)
    assert_same(run_ort(model, feeds), got, RTOL, ATOL)


def test_feeds_fill_symbolic_dims():
    """The helper itself: batch and seq land where the model declares them, masks never empty a row."""
    feeds = make_feeds(EXPORTED_MODELS["transformer_encoder"](), 3, seq=5)
    assert feeds["input"].shape == (3, 5, 64) and feeds["input"].dtype == np.float32
    assert feeds["attention_mask"].shape == (3, 5) and feeds["attention_mask"].dtype == np.int64
    assert (feeds["attention_mask"][:, 0] == 1).all()
