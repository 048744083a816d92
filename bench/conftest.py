"""Fixtures and options for the pytest-benchmark suites (``pytest bench``; ``tests`` never collects them).

    python -m pytest bench --benchmark-only                      # every model x batch x runtime x threads
    python -m pytest bench --bench-quick                          # small models, batch 1, one round each
    python -m pytest bench -k "resnet18 and refrt" --bench-threads 1

Each test creates its runtime's session (timed: ``extra_info["session_s"]``), runs it once and
compares the outputs with onnxruntime's: refrt or onnxruntime disagreeing fails the test,
onnx.reference disagreeing xfails it (a bug of the peer, not ours); either way nothing is timed.
``extra_info`` also gets the peak memory of a fresh process (bench/memory.py) unless
``--bench-no-memory`` or ``--bench-quick``. For runs alternating between runtimes in one process,
with ratios, use ``python -m bench.report``.
"""

from __future__ import annotations

import pathlib
import time

import numpy as np
import onnx
import pytest

from bench import memory, models, workloads


def pytest_addoption(parser):
    group = parser.getgroup("refrt-bench")
    group.addoption("--bench-quick", action="store_true",
                    help="small models only, batch 1, one round each: checks that the suites still run")
    group.addoption("--bench-threads", default="1,default", help="comma-separated: 1, default (default: both)")
    group.addoption("--bench-cap", type=float, default=1.0,
                    help="onnx.reference time cap (s): a run over it is recorded alone, marked capped")
    group.addoption("--bench-no-memory", action="store_true", help="skip the peak-memory subprocesses")
    group.addoption("--bench-cache", default=str(models.CACHE_DIR), help="folder for the built models")


def pytest_benchmark_update_machine_info(config, machine_info):
    # Saved runs (--benchmark-autosave) say which BLAS numpy used: it sets the refrt numbers.
    machine_info["refrt_bench"] = workloads.machine_info()


def pytest_generate_tests(metafunc):
    config = metafunc.config
    quick = config.getoption("--bench-quick")
    if "threads" in metafunc.fixturenames:
        modes = [m.strip() for m in config.getoption("--bench-threads").split(",") if m.strip()]
        metafunc.parametrize("threads", modes[:1] if quick else modes)
    if "runtime" in metafunc.fixturenames:
        metafunc.parametrize("runtime", workloads.default_runtimes())
    if "case_batch" in metafunc.fixturenames:
        tag = getattr(metafunc.module, "CASE_TAG", None)
        params = []
        for case in models.cases().values():
            if (tag == "light") != ("light" in case.tags):
                continue
            if quick and "small" not in case.tags and case.name != "light_squeezenet":
                continue
            for batch in case.batches[:1] if quick else case.batches:
                params.append(pytest.param((case, batch), id=f"{case.name}-b{batch}"))
        metafunc.parametrize("case_batch", params)


@pytest.fixture(scope="session")
def bench_options(pytestconfig):
    return {
        "quick": pytestconfig.getoption("--bench-quick"),
        "cap_s": pytestconfig.getoption("--bench-cap"),
        "memory": not (pytestconfig.getoption("--bench-no-memory") or pytestconfig.getoption("--bench-quick")),
        "cache": pathlib.Path(pytestconfig.getoption("--bench-cache")),
    }


@pytest.fixture(scope="session")
def prepared(bench_options):
    """``prepared(case, batch)`` -> (model path, feeds, onnxruntime's outputs), once per model and batch."""
    cache = {}

    def get(case: models.Case, batch: int):
        if case.skip:
            pytest.skip(case.skip)
        key = (case.name, batch)
        if key not in cache:
            path = case.path(bench_options["cache"])
            feeds = case.feeds(onnx.load(path), batch)
            cache[key] = (path, feeds, workloads.make_runner(workloads.ORT, path, feeds)())
        return cache[key]

    return get


@pytest.fixture
def bench_run(benchmark, bench_options):
    """Check, then time ``runtime`` on a prepared model: the one body every suite shares."""

    def go(runtime: str, path, feeds, expected, threads_mode: str, group: str, case: models.Case):
        threads = None if threads_mode == "default" else int(threads_mode)
        benchmark.group = group
        benchmark.extra_info.update(runtime=runtime, threads=threads_mode)
        with workloads.thread_limits(threads):
            t0 = time.perf_counter()
            run = workloads.make_runner(runtime, path, feeds, threads)
            benchmark.extra_info["session_s"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            why = workloads.mismatch(expected, run(), case.rtol, case.atol, case.loose_outputs)
            first_run_s = time.perf_counter() - t0
            if why:
                msg = f"refused, not timed: {runtime} output differs from onnxruntime: {why[:300]}"
                if runtime == workloads.REFERENCE:
                    pytest.xfail(msg)
                pytest.fail(msg)
            if bench_options["quick"]:
                benchmark.pedantic(run, rounds=1, iterations=1)
            elif runtime == workloads.REFERENCE and first_run_s > bench_options["cap_s"]:
                benchmark.extra_info["capped"] = f"warm-up run took {first_run_s:.1f} s: one timed run"
                benchmark.pedantic(run, rounds=1, iterations=1)
            elif runtime == workloads.REFERENCE:
                benchmark.pedantic(run, rounds=max(1, min(3, int(1.0 / first_run_s))), iterations=1)
            else:
                benchmark(run)
        if bench_options["memory"] and isinstance(path, pathlib.Path):
            benchmark.extra_info["memory"] = memory.measure(runtime, path, feeds, threads)

    return go


@pytest.fixture(scope="session")
def chain_case():
    """(model, feeds, expected) for the 1,000-node chain; the expected value is computed in numpy."""
    model = workloads.chain_model()
    x = np.array([0.25], dtype=np.float32)
    return model, {"x": x}, [workloads.chain_expected(x)]
