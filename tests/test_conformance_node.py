"""The ONNX backend suite's node group through refrt: nothing fails outside the expected-failure list,
and the list names nothing that now passes.

Runs every node case (generated once into the conformance cache by onnx's own generators) through
the conformance runner's worker pool, without the onnxruntime comparison (that is the runner's
report, not a pass/fail rule). Takes well under a minute here (plus ~30 s the first time, to generate
the cases).
"""

from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from conformance import runner  # noqa: E402


@pytest.fixture(scope="module")
def node():
    return runner.run_group("node", with_ort=False, progress=False, timeout=60)


def _listing(records: dict) -> str:
    return "\n".join(f"  node/{name}: {r['detail']}" for name, r in records.items())


def test_node_group_runs_every_generated_case(node):
    assert len(node.records) > 1500  # onnx 1.23 generates 1,884


def test_no_node_case_fails_outside_the_expected_failure_list(node):
    bad = node.unexpected_failures
    assert not bad, f"{len(bad)} node cases fail and are not in conformance/expected_failures.txt:\n" + _listing(bad)


def test_no_listed_node_case_passes(node):
    xpass = node.unexpected_passes
    assert not xpass, (
        f"{len(xpass)} node cases listed in conformance/expected_failures.txt now pass; remove their lines:\n"
        + "\n".join(f"  node/{n}" for n in xpass)
    )


def test_every_node_entry_of_the_list_names_a_case(node):
    expected = runner.ExpectedFailures.read()
    unknown = expected.unknown("node", {f"node/{n}" for n in node.records})
    assert not unknown, f"entries naming no node case (renamed or mistyped?): {unknown}"
