"""Timings of refrt, onnxruntime and onnx.reference side by side (``pytest bench``).

Grouped by model, so pytest-benchmark's table puts the three runtimes of one model together.
onnx.reference takes seconds per run, so it gets two rounds. The chain benchmark reports the
runtime's own cost per node in ``extra_info["us_per_node"]``.
"""

from __future__ import annotations

import pytest

from bench import workloads


@pytest.mark.parametrize("runtime", workloads.RUNTIMES)
@pytest.mark.parametrize("name", workloads.LIGHT_MODELS)
def test_light_model(benchmark, light_case, name, runtime):
    model, feeds, expected = light_case(name)
    run, wrong = workloads.verified_runner(runtime, model, feeds, expected)
    benchmark.group = name
    benchmark.extra_info["runtime"] = runtime
    if wrong:
        benchmark.extra_info["wrong_output"] = wrong
    if runtime == "onnx.reference":
        benchmark.pedantic(run, rounds=2, iterations=1)
    else:
        benchmark(run)


@pytest.mark.parametrize("runtime", ["refrt", "onnxruntime"])
def test_per_node_overhead(benchmark, chain_case, runtime):
    model, feeds, expected = chain_case
    # Exact: every runtime does the same float32 additions and negations in the same order.
    run, _ = workloads.verified_runner(runtime, model, feeds, expected, rtol=0, atol=0)
    benchmark.group = f"chain of {workloads.CHAIN_LENGTH} nodes"
    benchmark.extra_info["runtime"] = runtime
    benchmark(run)
    if benchmark.stats:  # None under --benchmark-disable, where the run is only a check
        benchmark.extra_info["us_per_node"] = benchmark.stats.stats.median * 1e6 / workloads.CHAIN_LENGTH
