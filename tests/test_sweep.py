"""The per-revision sweep: every registered (op, revision) of the CPU provider against onnxruntime.

One run of conformance.sweep (CI mode: one or two shapes per op, each type constraint through its
types) in the worker pool; then: no mismatch or refrt error outside conformance/expected_failures.txt,
no listed sweep entry that now agrees, no target lost to a crash or a hang, and every target either
swept or carrying its reason. Plus quick checks of the sweep's own machinery.
"""

from __future__ import annotations

import os
import sys

import numpy as np
import onnx
import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from conformance import sweep  # noqa: E402
from conformance.recipes import GENERIC, RECIPES, recipe_for  # noqa: E402
from conformance.runner import ExpectedFailures  # noqa: E402


@pytest.fixture(scope="module")
def records():
    return sweep.sweep(progress=False, timeout=120, save_repros=False)


@pytest.fixture(scope="module")
def findings(records):
    import io

    out = io.StringIO()
    unexpected, xpass = sweep.summarize(records, ExpectedFailures.read(), verbose=False, out=out)
    return unexpected, xpass, out.getvalue()


def test_sweep_covers_every_registered_kernel(records):
    names = {r["target"] for r in records}
    assert names == {t.name for t in sweep.targets()}
    assert len(records) > 300


def test_no_mismatch_outside_the_expected_failure_list(findings):
    unexpected, _, report = findings
    assert not unexpected, f"{len(unexpected)} sweep variants disagree with onnxruntime and are not listed:\n" + "\n".join(
        f"  sweep/{key}: {r['status']}: {r['detail']}  [onnx reference agrees with: {r.get('reference', '-')}]"
        for key, r in unexpected
    )


def test_no_listed_sweep_entry_agrees(findings):
    _, xpass, _ = findings
    assert not xpass, "listed in conformance/expected_failures.txt but agreeing now; remove:\n" + "\n".join(f"  sweep/{k}" for k in xpass)


def test_no_target_crashed_or_hung(records):
    errored = {r["target"]: r["error"] for r in records if r.get("error")}
    assert not errored, f"targets lost to a crash or a timeout: {errored}"


def test_every_target_is_swept_or_says_why(records):
    for r in records:
        compared = [v for v in r["variants"].values() if v["status"] in ("agree", "mismatch", "refrt-error")]
        assert compared or r.get("not_swept"), f"{r['target']}: nothing compared and no reason given"


def test_most_targets_are_compared(records):
    swept = [r for r in records if not r.get("not_swept") and not r.get("error")]
    assert len(swept) >= 0.8 * len(records), f"only {len(swept)} of {len(records)} targets compared"


# ----------------------------------------------------------------------------------------------
# The machinery


def test_assignments_cover_each_constraint_type_once_at_least():
    schema = onnx.defs.get_schema("Gather", 13)
    choices = sweep.assignments(schema)
    assert {c["T"] for c in choices} >= set(sweep.tensor_types(schema, "T"))
    assert {c["Tind"] for c in choices} == {onnx.TensorProto.INT32, onnx.TensorProto.INT64}


def test_product_and_tie():
    schema = onnx.defs.get_schema("Cast", 13)
    assert len(sweep.assignments(schema, product=("T1", "T2"))) == len(sweep.tensor_types(schema, "T1")) ** 2
    seq = onnx.defs.get_schema("SequenceAt", 11)
    for c in sweep.assignments(seq, tie={"T": "S"}):
        assert c["T"] == c["S"]


def test_generic_recipe_says_why_it_cannot_serve_an_op():
    assert recipe_for("Reshape") is not GENERIC
    schema = onnx.defs.get_schema("Reshape", 14)
    ctx = sweep.Ctx("Reshape", 14, schema, {"T": onnx.TensorProto.FLOAT}, np.random.default_rng(0))
    with pytest.raises(sweep.NotSweepable, match="shape"):
        list(GENERIC.make(ctx))


def test_a_disagreement_is_found_and_named():
    v = sweep.Variant([np.zeros(3, np.float32)])
    assert sweep.difference([np.zeros(3, np.float32)], [np.zeros(3, np.float32)], v) is None
    d = sweep.difference([np.zeros(3, np.float32)], [np.array([0, 1e-3, 0], np.float32)], v)
    assert d and "1 of 3 differ" in d
    assert "dtype" in sweep.difference([np.zeros(3, np.float32)], [np.zeros(3, np.float64)], v)


def test_one_variant_end_to_end():
    target = sweep.Target("Add", "", 14)
    v = sweep.Variant([np.ones((2, 3), np.float32), np.arange(3, dtype=np.float32)], label="x")
    assert sweep.run_variant(target, v, 1)["status"] == "agree"


def test_recipes_name_registered_or_schema_ops():
    known = {s.name for s in onnx.defs.get_all_schemas_with_history()}
    assert set(RECIPES) <= known
