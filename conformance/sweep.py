"""The per-revision sweep: every registered (op, revision) of a provider against onnxruntime at that opset.

    python -m conformance.sweep [--op REGEX] [--full] [--provider CPUExecutionProvider] [--jobs N] [-v]
    python -m conformance.sweep --repro 'Add-14/float16/(2,3,4,5)+(3,1,5)'

For each kernel the provider registers and each schema revision the kernel covers, one-node models
are built at that opset with random inputs of a few shapes, for every type the schema allows (each
type constraint over each of its types, the others at a default; the full product where a recipe asks
for it, e.g. Cast), and run in refrt and in onnxruntime with no graph optimization on either side.
Outputs must agree in dtype, shape and value (exactly for integers, booleans, strings and the 8-bit
and smaller float types; within a few ulps of the type otherwise: see TOLERANCES).

Inputs come from a per-op recipe (conformance/recipes.py) where they need care (shape tensors,
indices, axes, attributes without defaults); ops without one go through the generic recipe, which
derives inputs from the schema (type constraints, input counts, attribute defaults) and says why
when it cannot. Every variant ends as one of:

  agree         both ran; same outputs
  mismatch      both ran; outputs differ                       (a bug, or a listed expected failure)
  refrt-error   onnxruntime ran it; refrt raised               (a bug, or a listed expected failure)
  ort-lacks     onnxruntime has no kernel for these types at this opset (not compared)
  ort-error     onnxruntime refused the model or the inputs    (the recipe's inputs are not valid)

and a target with nothing compared is reported as "not swept" with the reason. Exit status 1 when a
mismatch or refrt-error is not listed in conformance/expected_failures.txt (as ``sweep/<key>``).
Results: conformance/results/sweep.json; each mismatch's model and inputs go to
conformance/results/sweep/ (``<key>.onnx`` and ``.npz``) and ``--repro KEY`` reruns one variant and
prints both outputs.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
import warnings
import zlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from conformance.compare import for_onnxruntime
from conformance.runner import quiet_stderr

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "results")

# (rtol, atol) by output dtype: a few ulps of the type. atol is relative to the output's largest
# magnitude (at least 1): a sum with cancellation (MatMul, DFT) leaves an absolute error near zero that
# scales with the terms, not with the result. Integers, booleans, strings and the 8-bit-and-smaller
# float types (each computed by one rounding) compare exactly.
TOLERANCES = {
    "float64": (1e-10, 1e-12),
    "float32": (1e-5, 1e-6),
    "float16": (2e-3, 1e-3),
    "bfloat16": (1.6e-2, 8e-3),
}

# A constraint's default type while another constraint runs through its types (first one allowed).
PREFERRED = (
    TensorProto.FLOAT, TensorProto.INT64, TensorProto.INT32, TensorProto.DOUBLE, TensorProto.FLOAT16,
    TensorProto.BOOL, TensorProto.UINT8, TensorProto.INT8, TensorProto.STRING,
)
_FLOATS = {
    TensorProto.FLOAT, TensorProto.DOUBLE, TensorProto.FLOAT16, TensorProto.BFLOAT16, TensorProto.FLOAT8E4M3FN,
    TensorProto.FLOAT8E4M3FNUZ, TensorProto.FLOAT8E5M2, TensorProto.FLOAT8E5M2FNUZ, TensorProto.FLOAT4E2M1,
}
for _name in ("FLOAT8E8M0", "FLOAT6E2M3", "FLOAT6E3M2"):
    if hasattr(TensorProto, _name):
        _FLOATS.add(getattr(TensorProto, _name))
_INT_RANGES = {  # elem type -> (lowest, highest) the type holds
    TensorProto.UINT8: (0, 255), TensorProto.INT8: (-128, 127), TensorProto.UINT16: (0, 65535),
    TensorProto.INT16: (-32768, 32767), TensorProto.INT32: (-(2**31), 2**31 - 1), TensorProto.INT64: (-(2**63), 2**63 - 1),
    TensorProto.UINT32: (0, 2**32 - 1), TensorProto.UINT64: (0, 2**64 - 1), TensorProto.UINT4: (0, 15), TensorProto.INT4: (-8, 7),
}
for _name, _range in (("UINT2", (0, 3)), ("INT2", (-2, 1))):
    if hasattr(TensorProto, _name):
        _INT_RANGES[getattr(TensorProto, _name)] = _range
_WORDS = np.array(["a", "onnx", "Hello", "world", "", "refrt", "ß", "日本", "x y", "MONDAY"], dtype=object)


def elem_of(type_str: str) -> int | None:
    """'tensor(float)' -> TensorProto.FLOAT; None for sequences, optionals, maps."""
    m = re.fullmatch(r"tensor\((\w+)\)", type_str)
    if not m:
        return None
    name = {"float": "FLOAT", "double": "DOUBLE"}.get(m.group(1), m.group(1).upper())
    return getattr(TensorProto, name, None)


def np_dtype(elem: int) -> np.dtype:
    return np.dtype(object) if elem == TensorProto.STRING else np.dtype(helper.tensor_dtype_to_np_dtype(elem))


def type_name(elem: int) -> str:
    return TensorProto.DataType.Name(elem).lower()


class NotSweepable(Exception):
    """A recipe (or the generic one) cannot make valid inputs for this op or revision: say why."""


@dataclass
class Variant:
    """One model to run: node inputs in order (None: an omitted optional input), attributes."""

    inputs: list
    attrs: dict = field(default_factory=dict)
    label: str = ""
    outputs: int | None = None  # node outputs; None: the schema's required ones (at least one)
    constants: tuple = ()  # input positions given as initializers rather than fed
    compare: str = "values"  # "values", or "shape" for outputs that are random by definition
    tol: tuple | None = None  # (rtol, atol) instead of TOLERANCES; say why where it is set
    domain_opsets: dict = field(default_factory=dict)
    extra_inputs: dict = field(default_factory=dict)  # graph inputs the node does not take (outer scope of a body)


@dataclass
class Ctx:
    """What a recipe knows: the op, its revision and schema, the types chosen, a seeded generator."""

    op: str
    rev: int
    schema: Any
    types: dict[str, int]  # type constraint -> elem type
    rng: np.random.Generator
    full: bool = False

    def elem(self, constraint: str = "T") -> int:
        if constraint in self.types:
            return self.types[constraint]
        parsed = elem_of(constraint)
        if parsed is None:
            raise KeyError(f"{self.op}-{self.rev} has no type constraint {constraint}")
        return parsed

    def dtype(self, constraint: str = "T") -> np.dtype:
        return np_dtype(self.elem(constraint))

    def is_float(self, constraint: str = "T") -> bool:
        return self.elem(constraint) in _FLOATS

    def is_int(self, constraint: str = "T") -> bool:
        return self.elem(constraint) in _INT_RANGES

    def is_unsigned(self, constraint: str = "T") -> bool:
        return self.is_int(constraint) and _INT_RANGES[self.elem(constraint)][0] == 0

    def attr(self, name: str) -> bool:
        return name in self.schema.attributes

    def rand(self, shape, constraint: str = "T", low=None, high=None) -> np.ndarray:
        """Random values of the constraint's type: N(0,1) floats, small integers, or uniform in [low, high]."""
        elem = self.elem(constraint)
        dtype = np_dtype(elem)
        shape = tuple(shape)
        if elem == TensorProto.STRING:
            return self.rng.choice(_WORDS, size=shape).astype(object)
        if elem == TensorProto.BOOL:
            return self.rng.random(shape) < 0.5
        if elem in _INT_RANGES:
            lo, hi = _INT_RANGES[elem]
            want_lo = -5 if low is None else low
            want_hi = 9 if high is None and lo == 0 else (5 if high is None else high)
            lo, hi = max(lo, want_lo), min(hi, want_hi)
            return self.rng.integers(lo, hi + 1, size=shape).astype(np.int64).astype(dtype)
        if elem in (TensorProto.COMPLEX64, TensorProto.COMPLEX128):
            return (self.rng.standard_normal(shape) + 1j * self.rng.standard_normal(shape)).astype(dtype)
        if low is not None or high is not None:
            values = self.rng.uniform(-3 if low is None else low, 3 if high is None else high, size=shape)
        else:
            values = self.rng.standard_normal(shape)
        if elem == getattr(TensorProto, "FLOAT8E8M0", -1):
            values = 2.0 ** self.rng.integers(-4, 5, size=shape)  # powers of two are all it holds
        return np.asarray(values).astype(dtype)

    def array(self, values, constraint: str = "T") -> np.ndarray:
        return np.asarray(values).astype(self.dtype(constraint))

    def ints(self, values, dtype=np.int64) -> np.ndarray:
        return np.asarray(values, dtype=dtype)

    @property
    def shapes(self) -> list[tuple]:
        """The shapes a generic recipe tries: a 4-D one and a scalar (0-d inputs catch kernels that
        return NumPy scalars), and with --full a vector, a size-1 axis and an empty tensor."""
        return [(2, 3, 4, 5), ()] + ([(7,), (3, 1, 4), (0, 3)] if self.full else [])


# ----------------------------------------------------------------------------------------------
# Schemas


def schema_revisions(op: str, domain: str = "") -> list[int]:
    revs = sorted({s.since_version for s in onnx.defs.get_all_schemas_with_history() if s.name == op and s.domain == domain})
    return [r for r in revs if r <= onnx.defs.onnx_opset_version()]


def constraints_in_use(schema) -> list[str]:
    """Type constraints named by the inputs, then by the outputs, in order of appearance."""
    names = [c.type_param_str for c in schema.type_constraints]
    order = []
    for param in list(schema.inputs) + list(schema.outputs):
        if param.type_str in names and param.type_str not in order:
            order.append(param.type_str)
    return order


def tensor_types(schema, constraint: str) -> list[int]:
    """The tensor types a constraint allows; for a sequences-only constraint, their element types."""
    for c in schema.type_constraints:
        if c.type_param_str == constraint:
            found = [e for e in (elem_of(t) for t in c.allowed_type_strs) if e is not None]
            if not found:
                inner = [re.fullmatch(r"seq\((tensor\(\w+\))\)", t) for t in c.allowed_type_strs]
                found = [e for e in (elem_of(m.group(1)) for m in inner if m) if e is not None]
            return found
    return []


def assignments(schema, product: tuple = (), tie: dict | None = None) -> list[dict[str, int]]:
    """Type choices to sweep: each constraint through its tensor types, the others at a default.

    Constraints named in ``product`` go through every combination instead; ``tie`` maps a constraint
    to the one whose type it takes (the element type T of a sequence type S).
    """
    tie = tie or {}
    names = [c for c in constraints_in_use(schema) if c not in tie]
    allowed = {c: tensor_types(schema, c) for c in names}
    names = [c for c in names if allowed[c]]
    default = {c: next((e for e in PREFERRED if e in allowed[c]), allowed[c][0]) for c in names}
    result: list[dict[str, int]] = []

    def add(choice):
        full = dict(choice)
        for c, source in tie.items():
            if source in full:
                full[c] = full[source]
        if full not in result:
            result.append(full)

    prod = [c for c in names if c in product]
    singles = [c for c in names if c not in product]
    combos = [{}]
    for c in prod:
        combos = [{**combo, c: e} for combo in combos for e in allowed[c]]
    for combo in combos:
        add({**default, **combo})
    for c in singles:
        for e in allowed[c]:
            for combo in combos[:1] if combos else [{}]:
                add({**default, **combo, c: e})
    return result or [{}]


# ----------------------------------------------------------------------------------------------
# Building and running one variant


def ir_version_for(opset: int) -> int:
    """The oldest IR version that holds the opset: onnxruntime reads up to its own."""
    for ir, ops in ((3, 8), (4, 9), (5, 10), (6, 11), (7, 12), (7, 14), (8, 18), (9, 20), (10, 22)):
        if opset <= ops:
            return ir
    return 11


def _value_info(name: str, value) -> onnx.ValueInfoProto:
    if isinstance(value, list):
        elem = _elem_of_array(value[0]) if value else TensorProto.FLOAT
        return helper.make_tensor_sequence_value_info(name, elem, None)
    return helper.make_tensor_value_info(name, _elem_of_array(value), value.shape)


def _elem_of_array(value: np.ndarray) -> int:
    return TensorProto.STRING if value.dtype.kind in "OUS" else helper.np_dtype_to_tensor_dtype(value.dtype)


def build(op: str, domain: str, rev: int, v: Variant, n_outputs: int) -> tuple[onnx.ModelProto, dict]:
    names, graph_inputs, inits, feeds = [], [], [], {}
    for i, value in enumerate(v.inputs):
        if value is None:
            names.append("")
            continue
        if not isinstance(value, (np.ndarray, list)):
            value = np.asarray(value)  # NumPy arithmetic on 0-d arrays gives scalars; feeds must be arrays
        name = f"x{i}"
        names.append(name)
        if i in v.constants:
            inits.append(numpy_helper.from_array(value, name))
        else:
            graph_inputs.append(_value_info(name, value))
            feeds[name] = value
    while names and names[-1] == "":
        names.pop()
    for name, value in v.extra_inputs.items():
        value = np.asarray(value)
        graph_inputs.append(_value_info(name, value))
        feeds[name] = value
    outs = [f"y{j}" for j in range(n_outputs)]
    node = helper.make_node(op, names, outs, domain=domain or None, **v.attrs)
    graph = helper.make_graph([node], f"sweep_{op}", graph_inputs, [onnx.ValueInfoProto(name=o) for o in outs], inits)
    default_opset = rev if not domain else _DEFAULT_OPSET_FOR.get(domain, {}).get(rev, 17)
    opsets = [helper.make_opsetid("", default_opset)] + ([helper.make_opsetid(domain, rev)] if domain else [])
    opsets += [helper.make_opsetid(d, r) for d, r in v.domain_opsets.items()]
    model = helper.make_model(graph, opset_imports=opsets, producer_name="refrt-sweep")
    model.ir_version = ir_version_for(default_opset)
    try:
        inferred = onnx.shape_inference.infer_shapes(model)
        known = {vi.name: vi for vi in list(inferred.graph.value_info) + list(inferred.graph.output)}
        for out in model.graph.output:
            if out.name in known and known[out.name].type.WhichOneof("value") is not None:
                out.type.CopyFrom(known[out.name].type)
    except Exception:  # noqa: BLE001 - both runtimes will say what is wrong
        pass
    return model, feeds


# The default-domain opset released with each ai.onnx.ml opset (a model of another domain still
# imports the default one).
_DEFAULT_OPSET_FOR = {"ai.onnx.ml": {1: 11, 2: 11, 3: 15, 4: 17, 5: 21}}


def required_outputs(schema) -> int:
    single = onnx.defs.OpSchema.FormalParameterOption.Single
    n = sum(1 for o in schema.outputs if o.option == single)
    return max(1, n)


# onnxruntime's ways of saying it has no kernel for these types at this opset (not a bad model).
_LACKS = (
    "NOT_IMPLEMENTED", "Could not find an implementation", "Failed to find kernel", "is not a registered function/op",
    "is not currently registered or supported",  # complex types
    "InsertedPrecisionFreeCast",  # float16 before opset 6: the cast it inserts does not load
)


def run_ort(model: onnx.ModelProto, feeds: dict) -> list:
    import onnxruntime as ort

    adapted, ort_feeds, restore = for_onnxruntime(model, feeds)
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    so.log_severity_level = 4
    so.intra_op_num_threads = 1
    with quiet_stderr():
        sess = ort.InferenceSession((adapted or model).SerializeToString(), so, providers=["CPUExecutionProvider"])
        return restore(sess.run(None, ort_feeds))


def run_refrt(model: onnx.ModelProto, feeds: dict, provider: str) -> list:
    import refrt

    so = refrt.SessionOptions()
    so.graph_optimization_level = refrt.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = refrt.InferenceSession(model.SerializeToString(), so, providers=[provider])
    return sess.run(None, feeds)


def tolerance(dtype: np.dtype) -> tuple[float, float]:
    return TOLERANCES.get(np.dtype(dtype).name, (0.0, 0.0))


def difference(theirs: list, ours: list, v: Variant) -> str | None:
    """None when refrt's outputs match onnxruntime's; else what differs, in a line."""
    if len(theirs) != len(ours):
        return f"{len(ours)} outputs, onnxruntime gives {len(theirs)}"
    for i, (t, o) in enumerate(zip(theirs, ours)):
        if isinstance(t, list) or isinstance(o, list):
            if not (isinstance(t, list) and isinstance(o, list)) or len(t) != len(o):
                return f"output {i}: {_kind(o)}, onnxruntime gives {_kind(t)}"
            for j, (tj, oj) in enumerate(zip(t, o)):
                d = difference([tj], [oj], v)
                if d:
                    return f"output {i} element {j}: " + d.split(": ", 1)[1]
            continue
        if t is None or o is None:
            if t is None and o is None:
                continue
            return f"output {i}: {_kind(o)}, onnxruntime gives {_kind(t)}"
        t, o = np.asarray(t), np.asarray(o)
        if t.dtype != o.dtype:
            return f"output {i}: dtype {o.dtype}, onnxruntime gives {t.dtype}"
        if t.shape != o.shape:
            return f"output {i}: shape {list(o.shape)}, onnxruntime gives {list(t.shape)}"
        if v.compare == "shape":
            continue
        if t.dtype.kind in "OUSb" or t.dtype.kind in "iu" or t.dtype.name in ("int4", "uint4", "int2", "uint2"):
            bad = t != o
            if np.any(bad):
                at = tuple(int(k) for k in np.argwhere(bad)[0])
                return f"output {i}: {int(np.sum(bad))} of {t.size} differ; at {at}: refrt {o[at]!r}, onnxruntime {t[at]!r}"
            continue
        rtol, atol = v.tol or tolerance(t.dtype)
        wide = np.complex128 if t.dtype.kind == "c" else np.float64
        tf, of = t.astype(wide), o.astype(wide)
        finite = np.abs(tf[np.isfinite(tf)])
        atol = atol * max(1.0, float(finite.max()) if finite.size else 1.0)
        close = np.isclose(of, tf, rtol=rtol, atol=atol, equal_nan=True)
        if not np.all(close):
            bad = ~close
            at = tuple(int(k) for k in np.argwhere(bad)[0])
            with np.errstate(all="ignore"):
                worst = float(np.nanmax(np.where(bad, np.abs(of - tf), 0)))
            return (
                f"output {i}: {int(np.sum(bad))} of {t.size} differ (rtol {rtol:g}, atol {atol:g}); max abs diff {worst:.3g}; "
                f"at {at}: refrt {of[at]!r}, onnxruntime {tf[at]!r}"
            )
    return None


def _kind(value) -> str:
    if value is None:
        return "None"
    if isinstance(value, list):
        return f"sequence of {len(value)}"
    return f"{np.asarray(value).dtype} {list(np.asarray(value).shape)}"


def _one_line(e: BaseException) -> str:
    text = " ".join(str(e).split())
    return f"{type(e).__name__}: {text[:300]}" if text else type(e).__name__


def reference_verdict(model: onnx.ModelProto, feeds: dict, theirs: list, ours: list, v: Variant) -> str:
    """Which side onnx's own reference evaluator takes on a mismatch: a hint for the triage."""
    try:
        from onnx.reference import ReferenceEvaluator

        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            ref = ReferenceEvaluator(model).run(None, feeds)
    except Exception as e:  # noqa: BLE001
        return f"reference failed ({type(e).__name__})"
    with_refrt = difference(ref, ours, v) is None
    with_ort = difference(ref, theirs, v) is None
    return {(True, True): "both", (True, False): "refrt", (False, True): "onnxruntime", (False, False): "neither"}[with_refrt, with_ort]


# ----------------------------------------------------------------------------------------------
# One target: (op, revision)


@dataclass(frozen=True)
class Target:
    op: str
    domain: str
    rev: int
    provider: str = "CPUExecutionProvider"

    @property
    def name(self) -> str:
        return f"{self.domain + '.' if self.domain else ''}{self.op}-{self.rev}"


def targets(provider: str = "CPUExecutionProvider", pattern: str | None = None) -> list[Target]:
    """Every (op, schema revision) that a kernel of ``provider`` covers."""
    from refrt import registry
    from refrt.providers import KNOWN

    KNOWN[provider].discover()
    found = []
    for entry in registry.entries(provider):
        if pattern and not re.search(pattern, entry.op):
            continue
        for rev in schema_revisions(entry.op, entry.domain):
            if entry.covers(rev):
                found.append(Target(entry.op, entry.domain, rev, provider))
    return sorted(set(found), key=lambda t: (t.op, t.rev))


def choices_for(schema, recipe, full: bool) -> list[dict[str, int]]:
    """The type assignments a target runs: full type products (Cast: every source with every
    target) only with --full."""
    choices = assignments(schema, recipe.product if full else (), recipe.tie)
    if recipe.types is not None:
        choices = [c for c in choices if recipe.types(c)]
    return choices


def _seed(text: str) -> int:
    return zlib.crc32(text.encode())


def variants_of(target: Target, types: dict[str, int], full: bool) -> tuple[Ctx, list[Variant]]:
    from conformance.recipes import recipe_for

    schema = onnx.defs.get_schema(target.op, target.rev, target.domain)
    label = ",".join(type_name(e) for e in types.values()) or "-"
    ctx = Ctx(target.op, target.rev, schema, types, np.random.default_rng(_seed(f"{target.name}/{label}")), full)
    variants = list(recipe_for(target.op).make(ctx))
    seen = Counter()
    for v in variants:  # labels name variants in keys: one word (the list's separator is a space), unique
        v.label = (v.label or "default").replace(" ", "_").replace("/", "|")
        seen[v.label] += 1
        if seen[v.label] > 1:
            v.label = f"{v.label}#{seen[v.label]}"
    return ctx, variants


def sweep_target(task: tuple) -> dict:
    """Everything for one (op, revision); runs in a worker. A JSON-able record."""
    target, full = task
    from conformance.recipes import recipe_for

    start = time.perf_counter()
    schema = onnx.defs.get_schema(target.op, target.rev, target.domain)
    recipe = recipe_for(target.op)
    record: dict = {"target": target.name, "op": target.op, "rev": target.rev, "recipe": recipe.kind, "variants": {}}
    try:
        choices = choices_for(schema, recipe, full)
    except NotSweepable as e:
        record["not_swept"] = str(e)
        return record
    n_default = required_outputs(schema)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        skipped = {}
        for types in choices:
            label = ",".join(type_name(e) for e in types.values()) or "-"
            try:
                _, variants = variants_of(target, types, full)
            except NotSweepable as e:  # for these types only; the others go on
                skipped[label] = str(e)
                continue
            for v in variants:
                key = f"{target.name}/{label}/{v.label}"
                result = run_variant(target, v, n_default)
                record["variants"][key] = result
                if result["status"] == "ort-lacks":
                    break  # same types, same answer for the other shapes
    record["seconds"] = round(time.perf_counter() - start, 3)
    if skipped:
        record["skipped_types"] = skipped
    statuses = Counter(r["status"] for r in record["variants"].values())
    if not statuses.get("agree") and not statuses.get("mismatch") and not statuses.get("refrt-error"):
        if not record["variants"] and skipped:
            record["not_swept"] = next(iter(skipped.values()))
        else:
            record["not_swept"] = _why_nothing_compared(target, record["variants"])
    return record


def _why_nothing_compared(target: Target, variants: dict) -> str:
    if not variants:
        return "the recipe gave no variants"
    tried = {k.split("/")[1] for k in variants}
    lacking = sorted({k.split("/")[1] for k, r in variants.items() if r["status"] == "ort-lacks"})
    refused = [(k, r) for k, r in variants.items() if r["status"] == "ort-error"]

    def which(types):
        if set(types) == tried and len(tried) > 1:
            return f"any of the {len(tried)} type choices"
        return ", ".join(types[:6]) + (f" (+{len(types) - 6} more)" if len(types) > 6 else "")

    parts = []
    if lacking:
        parts.append(f"onnxruntime has no kernel for {target.op} at opset {target.rev} for {which(lacking)}")
    if refused:
        types = sorted({k.split("/")[1] for k, _ in refused})
        parts.append(f"onnxruntime refuses the variants for {which(types)}: {refused[0][1]['detail']}")
    return "; ".join(parts)


def run_variant(target: Target, v: Variant, n_default: int, keep: bool = False) -> dict:
    model, feeds = build(target.op, target.domain, target.rev, v, v.outputs or n_default)
    try:
        theirs = run_ort(model, feeds)
    except Exception as e:  # noqa: BLE001
        text = _one_line(e)
        status = "ort-lacks" if any(s in text for s in _LACKS) else "ort-error"
        return {"status": status, "detail": text}
    try:
        ours = run_refrt(model, feeds, target.provider)
    except Exception as e:  # noqa: BLE001
        result = {"status": "refrt-error", "detail": _one_line(e)}
    else:
        diff = difference(theirs, ours, v)
        result = {"status": "mismatch", "detail": diff} if diff else {"status": "agree"}
    if result["status"] == "mismatch":
        result["reference"] = reference_verdict(model, feeds, theirs, ours, v)
    if keep or result["status"] != "agree":
        result["_model"] = model
        result["_feeds"] = feeds
    return result


# ----------------------------------------------------------------------------------------------
# Running everything


def sweep(
    provider: str = "CPUExecutionProvider",
    pattern: str | None = None,
    *,
    full: bool = False,
    jobs: int | None = None,
    timeout: float = 120.0,
    progress: bool = True,
    save_repros: bool = True,
) -> list[dict]:
    """Sweep every target of ``provider`` (ops matching ``pattern``); one record per target."""
    from conformance.pool import Failure, default_jobs, run_tasks
    from conformance.runner import Progress

    import refrt  # noqa: F401  (imported once here; workers inherit it)

    found = targets(provider, pattern)
    bar = Progress("sweep", len(found)) if progress else None
    records = []
    tasks = [(t, full, save_repros) for t in found]
    for (target, _, _), result in run_tasks(_sweep_and_save, tasks, jobs=default_jobs() if jobs is None else jobs, timeout=timeout):
        if isinstance(result, Failure):
            result = {"target": target.name, "op": target.op, "rev": target.rev, "variants": {}, "error": result.reason}
        records.append(result)
        if bar:
            bar.update(not result.get("error") and not any(
                r["status"] in ("mismatch", "refrt-error") for r in result["variants"].values()))
    return sorted(records, key=lambda r: (r["op"], r["rev"]))


def _sweep_and_save(task: tuple) -> dict:
    """sweep_target, with each failing variant's model and inputs saved for its repro."""
    target, full, save = task
    record = sweep_target((target, full))
    for key, result in record["variants"].items():
        model, feeds = result.pop("_model", None), result.pop("_feeds", None)
        if save and result["status"] in ("mismatch", "refrt-error") and model is not None:
            result["files"] = save_repro(key, model, feeds)
    return record


def save_repro(key: str, model: onnx.ModelProto, feeds: dict) -> str:
    folder = os.path.join(RESULTS, "sweep")
    os.makedirs(folder, exist_ok=True)
    stem = os.path.join(folder, re.sub(r"[^A-Za-z0-9_.=,+-]+", "_", key))
    onnx.save(model, stem + ".onnx")
    arrays = {k: v for k, v in feeds.items() if isinstance(v, np.ndarray) and v.dtype.kind != "V" and not v.dtype.type.__module__.startswith("ml_dtypes")}
    if arrays:
        np.savez(stem + ".npz", **arrays)
    return os.path.relpath(stem, os.path.dirname(HERE))


def repro(key: str, provider: str = "CPUExecutionProvider", full: bool = True) -> int:
    """Rebuild one variant from its key and print its inputs and both runtimes' outputs."""
    name, label, vlabel = key.split("/", 2)
    op, rev = name.rsplit("-", 1)
    domain, _, op = op.rpartition(".")
    target = Target(op, domain, int(rev), provider)
    schema = onnx.defs.get_schema(op, int(rev), domain)
    from conformance.recipes import recipe_for

    recipe = recipe_for(op)
    for types in choices_for(schema, recipe, True):
        if (",".join(type_name(e) for e in types.values()) or "-") != label:
            continue
        for full_mode in (False, True):
            _, variants = variants_of(target, types, full_mode)
            for v in variants:
                if v.label == vlabel:
                    result = run_variant(target, v, required_outputs(schema), keep=True)
                    print(f"target {target.name}; types {label}; variant {v.label!r}")
                    model, feeds = result.pop("_model"), result.pop("_feeds")
                    print(onnx.helper.printable_graph(model.graph))
                    print(f"opset {rev}; attributes {v.attrs}")
                    for k, value in feeds.items():
                        print(f"input {k} = {value!r}")
                    np.set_printoptions(precision=8, threshold=200)
                    for who, fn in (("onnxruntime", lambda: run_ort(model, feeds)), ("refrt", lambda: run_refrt(model, feeds, provider))):
                        try:
                            print(f"{who}: {fn()!r}")
                        except Exception as e:  # noqa: BLE001
                            print(f"{who}: raised {_one_line(e)}")
                    print(f"=> {result['status']}: {result.get('detail', '')}")
                    return 0 if result["status"] == "agree" else 1
    print(f"no variant {key!r} (names: <Op>-<rev>/<types>/<label>, as in the sweep's output)")
    return 2


def summarize(records: list[dict], expected, *, verbose: bool, out=None) -> tuple[list, list]:
    """Print the table and the findings; return (unexpected failures, unexpected passes)."""
    out = out or sys.stdout
    status_counts = Counter()
    unexpected, xpass, xfail, not_swept, errors = [], [], [], [], []
    compared = {"sweep/" + k: r["status"] in ("mismatch", "refrt-error")
                for rec in records for k, r in rec["variants"].items() if r["status"] in ("agree", "mismatch", "refrt-error")}
    settled = expected.settle(compared)
    for rec in records:
        for key, r in rec["variants"].items():
            status_counts[r["status"]] += 1
            listed = settled.get("sweep/" + key)
            bad = r["status"] in ("mismatch", "refrt-error")
            if bad and listed is None:
                unexpected.append((key, r))
            elif bad:
                xfail.append((key, r))
            elif listed is not None and r["status"] == "agree":
                xpass.append(key)
        if rec.get("error"):
            errors.append(rec)
        if rec.get("not_swept"):
            not_swept.append(rec)
    swept = [r for r in records if not r.get("not_swept") and not r.get("error")]
    print(f"sweep: {len(records)} (op, revision) targets; {len(swept)} swept, {len(not_swept)} not swept, {len(errors)} errored", file=out)
    print("variants: " + ", ".join(f"{k} {status_counts[k]}" for k in ("agree", "mismatch", "refrt-error", "ort-lacks", "ort-error")), file=out)
    if xfail:
        print(f"expected failures (listed): {len(xfail)}", file=out)
    if unexpected:
        print(f"\nfailing, not in expected_failures.txt ({len(unexpected)}):", file=out)
        for key, r in unexpected:
            ref = f" [onnx reference agrees with: {r['reference']}]" if r.get("reference") else ""
            print(f"  {key}: {r['status']}: {r['detail']}{ref}", file=out)
    if xpass:
        print(f"\nlisted in expected_failures.txt but agreeing ({len(xpass)}): remove these lines:", file=out)
        for key in xpass:
            print(f"  sweep/{key}", file=out)
    if errors:
        print(f"\ntargets that errored (a hang or a crash; rerun with --op): {len(errors)}", file=out)
        for rec in errors:
            print(f"  {rec['target']}: {rec['error']}", file=out)
    print(f"\nnot swept ({len(not_swept)}):", file=out)
    for rec in not_swept:
        print(f"  {rec['target']}: {rec['not_swept']}", file=out)
    if verbose:
        invalid = [(k, r) for rec in records for k, r in rec["variants"].items() if r["status"] == "ort-error"]
        print(f"\nvariants onnxruntime refused (ort-error: inputs not valid for the op, or a limit of onnxruntime) ({len(invalid)}):", file=out)
        for key, r in invalid:
            print(f"  {key}: {r['detail']}", file=out)
        lacking = Counter(k.rsplit("/", 1)[0] for rec in records for k, r in rec["variants"].items() if r["status"] == "ort-lacks")
        print(f"\ntypes onnxruntime has no kernel for (ort-lacks) ({len(lacking)}):", file=out)
        for key in sorted(lacking):
            print(f"  {key}", file=out)
    return unexpected, xpass


def write_results(records: list[dict], provider: str, full: bool, pattern: str | None) -> str:
    os.makedirs(RESULTS, exist_ok=True)
    path = os.path.join(RESULTS, "sweep.json")
    fd, tmp = tempfile.mkstemp(dir=RESULTS, prefix=".sweep-", suffix=".json")
    with os.fdopen(fd, "w") as f:
        json.dump({"provider": provider, "full": full, "filter": pattern, "targets": records}, f, indent=1, sort_keys=True)
    os.replace(tmp, path)
    return path


def main(argv=None) -> int:
    from conformance.pool import default_jobs
    from conformance.runner import ExpectedFailures
    from conformance.options import EXPECTED_FAILURES

    parser = argparse.ArgumentParser(prog="python -m conformance.sweep", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--op", default=None, help="regex on the op name (re.search)")
    parser.add_argument("--provider", default="CPUExecutionProvider")
    parser.add_argument("--full", action="store_true", help="more shapes per op (slower)")
    parser.add_argument("--jobs", type=int, default=None, help=f"worker processes (default {default_jobs()}; 0: in this process)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per (op, revision) (default 120)")
    parser.add_argument("--strict", action="store_true", help="exit 1 also when a listed expected failure agrees")
    parser.add_argument("--expected", default=EXPECTED_FAILURES)
    parser.add_argument("--repro", metavar="KEY", help="rerun one variant and print its inputs and outputs")
    parser.add_argument("--verbose", "-v", action="store_true", help="also list refused variants and types onnxruntime lacks")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    if args.repro:
        return repro(args.repro, args.provider)
    records = sweep(args.provider, args.op, full=args.full, jobs=args.jobs, timeout=args.timeout, progress=not args.no_progress)
    write_results(records, args.provider, args.full, args.op)
    unexpected, xpass = summarize(records, ExpectedFailures.read(args.expected), verbose=args.verbose)
    return 1 if unexpected or (args.strict and xpass) else 0


if __name__ == "__main__":
    # Run the package's module, not this __main__ copy: recipes raise conformance.sweep.NotSweepable.
    from conformance.sweep import main as _main

    sys.exit(_main())
