"""Fixtures for the pytest-benchmark suite; run it with ``pytest bench`` (``tests`` never collects it).

Sessions are built once per model and runtime, outside the timed part, and a refrt session is
only handed out after it matched onnxruntime on the benchmark feeds.
"""

from __future__ import annotations

import numpy as np
import pytest

from bench import workloads


def pytest_benchmark_update_machine_info(config, machine_info):
    # Saved runs (--benchmark-autosave) say which BLAS numpy used: it sets the refrt numbers.
    machine_info["refrt_bench"] = workloads.machine_info()


@pytest.fixture(scope="session")
def light_case():
    """``light_case(name)`` -> (model, feeds, onnxruntime's outputs), loaded once per model."""
    cache = {}

    def get(name):
        if name not in cache:
            import onnxruntime as ort

            ort.set_default_logger_severity(3)
            model = workloads.load_light(name)
            feeds = workloads.feeds_for(model)
            sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
            cache[name] = (model, feeds, sess.run(None, feeds))
        return cache[name]

    return get


@pytest.fixture(scope="session")
def chain_case():
    """(model, feeds, expected) for the 1,000-node chain; the expected value is computed in numpy."""
    model = workloads.chain_model()
    x = np.array([0.25], dtype=np.float32)
    return model, {"x": x}, [workloads.chain_expected(x)]
