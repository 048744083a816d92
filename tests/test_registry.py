"""The kernel registry: exact revisions, schema defaults, discovery, packaging."""

from __future__ import annotations

import inspect
import subprocess
import sys
from collections import defaultdict

import onnx
import pytest

import refrt
from refrt import registry
from refrt.plan import attribute_value
from refrt.providers import CPU

CPU.discover()
SCHEMAS: dict[tuple[str, str], list[onnx.defs.OpSchema]] = defaultdict(list)
for _s in onnx.defs.get_all_schemas_with_history():
    SCHEMAS[(_s.domain, _s.name)].append(_s)
for _v in SCHEMAS.values():
    _v.sort(key=lambda s: s.since_version)

STANDARD = sorted(
    {(e.domain, e.op) for e in registry.entries(CPU.name) if (e.domain, e.op) in SCHEMAS},
)


def test_kernels_are_discovered_without_a_list():
    table = refrt.kernels.coverage("CPUExecutionProvider")["CPUExecutionProvider"]
    ops = {op for op, _, _ in table}
    assert {"ai.onnx:Conv", "ai.onnx:Relu", "ai.onnx:Softmax", "ai.onnx:MatMul"} <= ops


def test_kernels_package_is_not_installed_as_a_bare_top_level_module(tmp_path):
    # A fresh interpreter outside the checkout (-I: no cwd, no PYTHONPATH) sees only what is installed.
    probe = "import importlib.util as u; print(u.find_spec('refrt.kernels.numpy') is not None, u.find_spec('kernels') is None)"
    out = subprocess.run([sys.executable, "-I", "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True"]


@pytest.mark.parametrize("domain, op", STANDARD, ids=[f"{d or 'ai.onnx'}:{o}" for d, o in STANDARD])
def test_revision_ranges_follow_the_schema(domain, op):
    """Each registered range starts at a real revision, ends just before one, and ranges leave no gap."""
    entries = [e for e in registry.entries(CPU.name) if (e.domain, e.op) == (domain, op)]
    versions = [s.since_version for s in SCHEMAS[(domain, op)]]
    for e in entries:
        assert e.since in versions, f"{e.where} starts at {e.since}, not a revision of {op} ({versions})"
        if e.until is not None:
            later = [v for v in versions if v > e.until]
            assert later and later[0] == e.until + 1, f"{e.where} ends at {e.until}, not before a revision ({versions})"
    # a deprecated ai.onnx.ml revision (TreeEnsembleClassifier/Regressor-5) is refused at session creation, as
    # onnxruntime refuses it: it needs no kernel
    live = [s.since_version for s in SCHEMAS[(domain, op)] if not (s.deprecated and domain == "ai.onnx.ml")]
    covered = [v for v in live if any(e.covers(v) for e in entries)]
    first = covered[0] if covered else None
    assert covered == [v for v in live if first is not None and v >= first], (
        f"{op}: revisions {versions}, covered {covered}: a later revision has no kernel"
    )


@pytest.mark.parametrize("domain, op", STANDARD, ids=[f"{d or 'ai.onnx'}:{o}" for d, o in STANDARD])
def test_kernel_attributes_are_the_schemas_with_its_defaults(domain, op):
    for e in (e for e in registry.entries(CPU.name) if (e.domain, e.op) == (domain, op)):
        params = inspect.signature(e.fn).parameters
        for schema in SCHEMAS[(domain, op)]:
            if not e.covers(schema.since_version):
                continue
            for name in e.attributes:
                assert name in schema.attributes, f"{e.where}: '{name}' is not an attribute of {op}-{schema.since_version}"
                default = schema.attributes[name].default_value
                if default.type != onnx.AttributeProto.UNDEFINED:
                    want = attribute_value(default)
                    got = params[name].default
                    assert got == want or (isinstance(want, float) and abs(got - want) <= 1e-7 * abs(want)), (
                        f"{e.where}: default of '{name}' is {got!r}, the schema says {want!r}"
                    )


def test_a_later_revision_is_never_claimed_silently():
    @registry.kernel("Bounded", domain="test.bounded", since=1, until=3)
    def bounded(x):
        return x

    assert registry.lookup("test.bounded", "Bounded", 3, "CPUExecutionProvider") is not None
    assert registry.lookup("test.bounded", "Bounded", 4, "CPUExecutionProvider") is None


def test_overlapping_registrations_are_refused():
    @registry.kernel("Twice", domain="test.twice", since=1, until=5)
    def first(x):
        return x

    with pytest.raises(ValueError, match="overlaps"):
        @registry.kernel("Twice", domain="test.twice", since=5)
        def second(x):
            return x


def test_prepared_kernels_build_once_per_session():
    import numpy as np
    from onnx import TensorProto, helper

    builds = []

    @registry.kernel("Lookup", domain="test.prepare", prepare=True)
    def lookup(*, keys=None, values=None):
        builds.append(1)
        table = dict(zip(keys, values))  # the per-attribute work, done once
        return lambda x: np.vectorize(table.get, otypes=[np.int64])(x)

    node = helper.make_node("Lookup", ["X"], ["Y"], domain="test.prepare", keys=[1, 2, 3], values=[10, 20, 30])
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("X", TensorProto.INT64, [3])],
                              [helper.make_tensor_value_info("Y", TensorProto.INT64, [3])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("test.prepare", 1)])
    sess = refrt.InferenceSession(model.SerializeToString())
    for _ in range(3):
        (y,) = sess.run(None, {"X": np.array([3, 1, 2], np.int64)})
    np.testing.assert_array_equal(y, [30, 10, 20])
    assert len(builds) == 1
