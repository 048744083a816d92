"""Intra-op parallelism (refrt/intra_op.py): chunks run on a shared pool give the same numbers as one
thread, errors in any chunk surface, and SessionOptions.intra_op_num_threads is this session's setting."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from onnx import TensorProto, helper

import refrt
from refrt import intra_op
from refrt.kernels.numpy._fused_util import gelu
from refrt.kernels.numpy.op_multi_head_attention import multi_head_attention

RNG = np.random.default_rng(11)


@pytest.fixture
def restore_threads():
    yield
    intra_op.set_threads(0)


def test_run_chunks_covers_the_range_once_in_contiguous_pieces(restore_threads):
    intra_op.set_threads(8)
    seen = []
    lock = threading.Lock()

    def fn(a, b):
        with lock:
            seen.append((a, b))

    intra_op.run_chunks(fn, 1000, 10)
    seen.sort()
    assert seen[0][0] == 0 and seen[-1][1] == 1000
    assert all(b0 == a1 for (_, b0), (a1, _) in zip(seen, seen[1:]))
    assert len(seen) == min(8, intra_op.CORES)


def test_run_chunks_raises_a_chunks_error(restore_threads):
    intra_op.set_threads(2)

    def fn(a, b):
        if a > 0 or intra_op.CORES == 1:
            raise ValueError(f"chunk {a}")

    with pytest.raises(ValueError, match="chunk"):
        intra_op.run_chunks(fn, 100, 1)


def test_one_thread_runs_inline(restore_threads):
    intra_op.set_threads(1)
    where = []
    intra_op.run_chunks(lambda a, b: where.append(threading.current_thread()), 100, 1)
    assert where == [threading.current_thread()]


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_is_the_same_on_one_thread_and_on_all(restore_threads, approximate):
    x = RNG.standard_normal((3, 129, 4099)).astype(np.float32)  # above the parallel threshold, ragged blocks
    intra_op.set_threads(1)
    one = gelu(x, approximate)
    intra_op.set_threads(0)
    np.testing.assert_array_equal(gelu(x, approximate), one)


def test_attention_is_the_same_on_one_thread_and_on_all(restore_threads):
    b, s, heads, hd = 2, 384, 8, 16  # 2 x 384 x 384 scores per head: heads split across threads
    qkv = RNG.standard_normal((b, s, 3 * heads * hd)).astype(np.float32)
    bias = RNG.standard_normal((b, heads, s, s)).astype(np.float32)  # per-head bias: sliced per chunk
    intra_op.set_threads(1)
    one = multi_head_attention(qkv, attention_bias=bias, num_heads=heads)
    intra_op.set_threads(0)
    np.testing.assert_array_equal(multi_head_attention(qkv, attention_bias=bias, num_heads=heads), one)


def test_session_sets_its_threads_for_the_calling_thread(restore_threads):
    node = helper.make_node("Relu", ["x"], ["y"])
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    so = refrt.SessionOptions()
    so.intra_op_num_threads = 1
    refrt.InferenceSession(model.SerializeToString(), so).run(None, {"x": np.ones(2, np.float32)})
    assert intra_op.threads() == 1
    refrt.InferenceSession(model.SerializeToString()).run(None, {"x": np.ones(2, np.float32)})
    assert intra_op.threads() == intra_op.CORES  # 0, the default: one per usable core


def test_forest_walk_is_the_same_on_one_thread_and_on_all(restore_threads):
    # the benchmark's forest (100 deep trees) over 6,000 rows: two row blocks, split across threads
    from bench import models as bench_models

    model = bench_models.sklearn_tree_model("random_forest")[0]
    feeds = bench_models.generic_feeds(model, 6000)
    results = []
    for threads in (1, 0):
        so = refrt.SessionOptions()
        so.intra_op_num_threads = threads
        results.append(refrt.InferenceSession(model.SerializeToString(), so).run(None, feeds))
    for one, many in zip(*results):
        np.testing.assert_array_equal(one, many)
