"""The built model set (bench/models.py) x batch (1 and a throughput batch) x runtime x threads.

Every refrt provider that is available, onnxruntime (CPU, default options) and onnx.reference
(capped: see ``--bench-cap``). Grouped by model, batch and thread setting. scikit-learn models
are skipped with the reason when they cannot be built or run here.
"""

from __future__ import annotations

CASE_TAG = "built"


def test_model(bench_run, prepared, case_batch, runtime, threads):
    case, batch = case_batch
    path, feeds, expected = prepared(case, batch)
    bench_run(runtime, path, feeds, expected, threads, f"{case.name} b{batch} threads={threads}", case)
