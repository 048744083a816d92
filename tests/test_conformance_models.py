"""The backend suite's model groups shipped inside onnx (simple, pytorch-converted, pytorch-operator)
through refrt: nothing fails outside conformance/expected_failures.txt, and nothing listed passes.

(The light model-zoo group is tests/test_light_models.py; the node group is test_conformance_node.py.)
"""

from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from conformance import runner  # noqa: E402

GROUPS = ("simple", "pytorch-converted", "pytorch-operator")


@pytest.fixture(scope="module", params=GROUPS)
def group(request):
    return runner.run_group(request.param, with_ort=False, progress=False, timeout=60)


def test_group_has_cases(group):
    assert group.records, f"no cases found for {group.group}"


def test_no_case_fails_outside_the_expected_failure_list(group):
    bad = group.unexpected_failures
    assert not bad, f"{len(bad)} {group.group} cases fail and are not listed:\n" + "\n".join(
        f"  {group.group}/{n}: {r['detail']}" for n, r in bad.items()
    )


def test_no_listed_case_passes(group):
    xpass = group.unexpected_passes
    assert not xpass, f"listed in conformance/expected_failures.txt but passing: {sorted(xpass)}"


def test_every_entry_of_the_list_names_a_case(group):
    unknown = runner.ExpectedFailures.read().unknown(group.group, {f"{group.group}/{n}" for n in group.records})
    assert not unknown, f"entries naming no {group.group} case: {unknown}"
