"""The ONNX backend suite with providers ["NumbaExecutionProvider", "CPUExecutionProvider"]: the same
expected-failure list as the NumPy provider, nothing else fails (node, simple and light groups; the
pytorch groups use the same ops). The first run compiles the Numba kernels the cases need (numba caches
them on disk), so this file takes a minute or two on a fresh machine."""

from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from conformance import runner  # noqa: E402

pytest.importorskip("numba")  # a dev dependency: CI has it

NUMBA = ("NumbaExecutionProvider", "CPUExecutionProvider")


@pytest.mark.parametrize("group", ["node", "simple", "light"])
def test_group_passes_on_the_numba_provider_with_the_same_expected_failures(group):
    result = runner.run_group(group, providers=NUMBA, with_ort=False, progress=False, timeout=120)
    assert len(result.records) > 0
    bad = result.unexpected_failures
    assert not bad, f"{len(bad)} {group} cases fail on the Numba provider:\n" + "\n".join(
        f"  {group}/{name}: {r['detail']}" for name, r in bad.items())
    assert not result.unexpected_passes, result.unexpected_passes
