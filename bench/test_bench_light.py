"""The nine light model-zoo models inside ``onnx``, and the runtimes' own cost per node (``pytest bench``).

Grouped by model and thread setting, so pytest-benchmark's table puts the runtimes of one model
together. The light models' inputs are fixed at 1x3x224x224: batch 1 only. The chain benchmark
reports the runtime's own cost per node in ``extra_info["us_per_node"]``.
"""

from __future__ import annotations

import pytest

from bench import workloads

CASE_TAG = "light"


def test_light_model(bench_run, prepared, case_batch, runtime, threads):
    case, batch = case_batch
    path, feeds, expected = prepared(case, batch)
    bench_run(runtime, path, feeds, expected, threads, f"{case.name} threads={threads}", case)


@pytest.mark.parametrize("chain_runtime", ["refrt", workloads.ORT, workloads.REFERENCE])
def test_per_node_overhead(benchmark, bench_options, chain_case, chain_runtime):
    model, feeds, expected = chain_case
    # Exact: every runtime does the same float32 additions and negations in the same order.
    run, why = workloads.verified_runner(chain_runtime, model, feeds, expected, rtol=0, atol=0)
    assert why is None, why
    benchmark.group = f"chain of {workloads.CHAIN_LENGTH} nodes"
    benchmark.extra_info["runtime"] = chain_runtime
    if bench_options["quick"]:
        benchmark.pedantic(run, rounds=1, iterations=1)
    else:
        benchmark(run)
    if benchmark.stats:  # None under --benchmark-disable, where the run is only a check
        benchmark.extra_info["us_per_node"] = benchmark.stats.stats.median * 1e6 / workloads.CHAIN_LENGTH
