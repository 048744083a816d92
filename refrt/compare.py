"""Node-by-node comparison: every intermediate value of a model, refrt against onnxruntime.

    table = refrt.compare("model.onnx")            # random feeds, refrt's CPU provider vs onnxruntime
    print(table.format())                           # the rows that matter, and the first divergence
    table.first_divergence                          # the Row of the culprit node, or None

refrt computes every value in one run (``run()`` accepts intermediate names); onnxruntime runs a copy
of the model with every intermediate tensor added as a graph output (types from shape inference).
``against=[providers]`` compares refrt's providers with each other instead, and ``reference_model=``
lets the reference side run another model with the same value names (an edited or perturbed copy).

The *first divergence* is the first node, in topological order, with an output beyond tolerance
whose own inputs (subgraph outer-scope reads included) were all within tolerance: the culprit, not
its consumers, which are marked divergent but not first.
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import onnx
import onnx.inliner
import onnx.shape_inference

from refrt import ir, loader

ONNXRUNTIME = "onnxruntime"

# Default tolerances by element type: |got - reference| <= atol + rtol * |reference|, as numpy.isclose.
# Integers, booleans and strings must match exactly. float16 and the 8-bit floats carry few digits.
_FLOAT_TOLERANCE = {
    np.dtype(np.float64): (1e-7, 1e-9),
    np.dtype(np.float32): (1e-4, 1e-5),
    np.dtype(np.float16): (1e-2, 1e-3),
    np.dtype(np.complex128): (1e-7, 1e-9),
    np.dtype(np.complex64): (1e-4, 1e-5),
}
_SMALL_FLOAT_TOLERANCE = {"bfloat16": (2e-2, 1e-2)}  # ml_dtypes names; other ml_dtypes floats: float8
_FLOAT8_TOLERANCE = (1.25e-1, 1e-2)

OK, DIVERGED, NOT_COMPARED = "ok", "diverged", "not compared"


def default_tolerance(dtype: np.dtype) -> tuple[float, float]:
    """(rtol, atol) refrt uses for values of ``dtype`` when none are given."""
    dtype = np.dtype(dtype)
    if dtype in _FLOAT_TOLERANCE:
        return _FLOAT_TOLERANCE[dtype]
    if dtype.name in _SMALL_FLOAT_TOLERANCE:
        return _SMALL_FLOAT_TOLERANCE[dtype.name]
    if dtype.name.startswith("float8") or dtype.name.startswith("float4"):
        return _FLOAT8_TOLERANCE
    return 0.0, 0.0


@dataclass(frozen=True)
class Row:
    """One output of one node, in both runs.

    ``shape``/``dtype`` are refrt's (the side under test); ``reference_*`` the other side's.
    ``status`` is "ok", "diverged" or "not compared" (``note`` says why); ``origin`` is true when the
    row diverged while every input of its node agreed, ``first`` for the first such row.
    """

    node_index: int  # position of the node in the model file (nodes may be unnamed or share names)
    node_name: str
    op_type: str
    output: str
    shape: tuple | None
    reference_shape: tuple | None
    dtype: str
    reference_dtype: str
    max_abs_error: float | None
    max_rel_error: float | None
    status: str
    note: str = ""
    origin: bool = False
    first: bool = False
    is_graph_output: bool = False

    @property
    def within_tolerance(self) -> bool | None:
        """True/False, or None when the values could not be compared."""
        return None if self.status == NOT_COMPARED else self.status == OK


@dataclass
class Comparison:
    """The table ``compare`` returns: one Row per node output, nodes in topological order."""

    rows: list[Row]
    tested: str  # "refrt [CPUExecutionProvider]"
    reference: str  # "onnxruntime 1.x" or "refrt [NumbaExecutionProvider, ...]"
    rtol: float | None
    atol: float | None
    feeds: dict[str, Any] = field(repr=False, default_factory=dict)

    @property
    def first_divergence(self) -> Row | None:
        return next((r for r in self.rows if r.first), None)

    @property
    def origins(self) -> list[Row]:
        """Every row that diverged while its node's inputs agreed (independent culprits)."""
        return [r for r in self.rows if r.origin]

    @property
    def diverged(self) -> list[Row]:
        return [r for r in self.rows if r.status == DIVERGED]

    @property
    def agree(self) -> bool:
        return not self.diverged

    def format(self, all_rows: bool = False) -> str:
        """A readable table: divergent, not-compared and graph-output rows (every row with ``all_rows``)."""
        shown = [r for r in self.rows if all_rows or r.status != OK or r.is_graph_output]
        head = ("#", "node", "op", "output", "refrt shape", "ref shape", "dtype", "max abs", "max rel", "status")
        body = [
            (
                str(r.node_index), r.node_name or "-", r.op_type, r.output, _shape(r.shape),
                _shape(r.reference_shape), r.dtype if r.dtype == r.reference_dtype else f"{r.dtype}/{r.reference_dtype}",
                _num(r.max_abs_error), _num(r.max_rel_error),
                ("FIRST DIVERGENCE" if r.first else "DIVERGED (origin)" if r.origin else r.status.upper()
                 if r.status != OK else "ok") + (f": {r.note}" if r.note else ""),
            )
            for r in shown
        ]
        widths = [min(max(len(x[i]) for x in [head, *body]), 40) for i in range(len(head) - 1)]
        lines = [f"tested: {self.tested}", f"reference: {self.reference}", _tolerance_text(self.rtol, self.atol)]
        for cells in [head, *body]:
            lines.append("  ".join(_fit(c, w) for c, w in zip(cells, widths)) + "  " + cells[-1])
        hidden = len(self.rows) - len(shown)
        if hidden:
            lines.append(f"({hidden} agreeing rows not shown; --all shows every row)")
        lines.append(self.summary())
        return "\n".join(lines)

    def summary(self) -> str:
        compared = sum(r.status != NOT_COMPARED for r in self.rows)
        skipped = len(self.rows) - compared
        tail = f"; {skipped} not compared" if skipped else ""
        first = self.first_divergence
        if first is None and self.diverged:
            d = self.diverged[0]
            return (
                f"{len(self.diverged)} of {compared} compared values diverge{tail}, but no node diverges on its own: "
                f"each agrees when run alone on the reference's inputs (rounding amplified; first at node "
                f"#{d.node_index} {_named(d)}({d.op_type}), output '{d.output}')"
            )
        if first is None:
            return f"all {compared} compared values agree{tail}"
        others = len(self.origins) - 1
        more = f" ({others} other independent divergence{'s' * (others != 1)})" if others else ""
        return (
            f"{len(self.diverged)} of {compared} compared values diverge{tail}; first divergence: node "
            f"#{first.node_index} {_named(first)}({first.op_type}), output '{first.output}', max abs error "
            f"{_num(first.max_abs_error)}{more}"
        )

    def __str__(self) -> str:
        return self.format()


def compare(
    model: str | os.PathLike | bytes | onnx.ModelProto,
    feeds: dict[str, Any] | None = None,
    *,
    providers: Sequence | None = None,
    against: str | Sequence = ONNXRUNTIME,
    rtol: float | None = None,
    atol: float | None = None,
    seed: int = 0,
    reference_model: str | os.PathLike | bytes | onnx.ModelProto | None = None,
    sess_options: Any = None,
) -> Comparison:
    """Run ``model`` in refrt (``providers``) and in the reference, and compare every node's outputs.

    ``against`` is "onnxruntime" (its CPU provider) or a list of refrt providers. ``feeds`` may give
    some or all inputs; the rest are random (``seed``), as ``refrt run`` makes them. ``rtol``/``atol``
    replace the per-dtype defaults (:func:`default_tolerance`) for every numeric type; without them
    integers, booleans and strings must match exactly. ``reference_model``, when given, is what the
    reference side runs instead of ``model``: a copy with the same value names (an edited, quantized
    or deliberately perturbed model). ``sess_options`` is passed to refrt's session(s).
    """
    import refrt

    proto, base_dir = _load(model)
    ref_proto, ref_base = (proto, base_dir) if reference_model is None else _load(reference_model)
    tested_sess = refrt.InferenceSession(_source(model, proto), sess_options, providers=providers)
    feed = _complete_feeds(tested_sess, feeds, seed)

    nodes = ir.build(proto).nodes  # topological order (it sorts proto's node list too, harmlessly)
    graph_outputs = {vi.name for vi in proto.graph.output}
    inputs = {vi.name for vi in proto.graph.input} | {t.name for t in proto.graph.initializer}
    names = list(dict.fromkeys(o for n in nodes for o in n.outputs if o and o not in inputs))
    tested = dict(zip(names, tested_sess.run(names, feed)))
    tested_label = f"refrt [{', '.join(tested_sess.get_providers())}]"

    ref_names = _names_of(ref_proto)
    common = [n for n in names if n in ref_names]
    if isinstance(against, str):
        if against != ONNXRUNTIME:
            raise ValueError(f"against must be 'onnxruntime' or a list of refrt providers, got '{against}'")
        reference, ref_label = _run_onnxruntime(ref_proto, ref_base, common, feed)
    else:
        ref_sess = refrt.InferenceSession(
            _source(reference_model if reference_model is not None else model, ref_proto), sess_options,
            providers=list(against),
        )
        reference = dict(zip(common, ref_sess.run(common, feed)))
        ref_label = f"refrt [{', '.join(ref_sess.get_providers())}]"
    if reference_model is not None:
        ref_label += " on the reference model"

    protos = list(proto.graph.node)  # ir.build sorted them: protos[k] is nodes[k]
    by_index = {n.index: p for n, p in zip(nodes, protos)}

    def isolated(node: ir.Node) -> dict | None:
        return _run_isolated(by_index[node.index], node, proto, tested_sess, sess_options, feed, tested, reference)

    rows = _rows(nodes, tested, reference, graph_outputs, rtol, atol, isolated)
    return Comparison(rows, tested_label, ref_label, rtol, atol, feed)


def intermediates(sess_or_model: Any, feed: dict[str, Any], names: Sequence[str] | None = None) -> dict[str, Any]:
    """Every value of one run by name: graph outputs and every node output (``names`` to choose).

    ``sess_or_model`` is a refrt InferenceSession, or anything one is made from (path, bytes,
    ModelProto). Values come from one run, in topological order; functions are inlined, so the values
    inside them are there too, under the names onnx's inliner gives them.
    """
    import refrt

    sess = sess_or_model if isinstance(sess_or_model, refrt.InferenceSession) else refrt.InferenceSession(sess_or_model)
    names = sess.value_names() if names is None else list(dict.fromkeys(names))
    return dict(zip(names, sess.run(names, feed)))


# -- the two runs ---------------------------------------------------------------------------------------

def _load(source) -> tuple[onnx.ModelProto, str | None]:
    """The model without its external data (read later, only from its folder), functions inlined."""
    proto, base_dir = loader.load(source)
    if proto.functions:
        proto = onnx.inliner.inline_local_functions(proto)
    return proto, base_dir


def _source(original, proto: onnx.ModelProto):
    """What refrt's session loads: the path when there is one (external data is found beside it)."""
    return os.fspath(original) if isinstance(original, (str, os.PathLike)) else proto


def _names_of(proto: onnx.ModelProto) -> set[str]:
    return {o for n in proto.graph.node for o in n.output if o}


def _complete_feeds(sess, feeds: dict[str, Any] | None, seed: int) -> dict[str, Any]:
    """The caller's feeds, with random values (as ``refrt run`` makes them) for the inputs not given."""
    from refrt.cli import random_inputs

    given = dict(feeds or {})
    missing = [a for a in sess.get_inputs() if a.name not in given]
    if not missing:
        return given
    untensored = [f"'{a.name}' ({a.type})" for a in missing if not a.type.startswith("tensor(")]
    if untensored:
        raise ValueError(f"no random value for input {', '.join(untensored)}: give it in feeds (--input NAME=FILE.npy)")
    # A symbolic dimension takes its size from the feeds given (a batch size chosen once), else 1.
    dims: dict[str, int] = {}
    for arg in sess.get_inputs():
        value = given.get(arg.name)
        if isinstance(value, np.ndarray) and value.ndim == len(arg.shape):
            dims.update((d, n) for d, n in zip(arg.shape, value.shape) if isinstance(d, str))
    made = random_inputs(sess, dims, seed=seed)
    return {**{k: v for k, v in made.items() if k not in given}, **given}


def _run_onnxruntime(proto: onnx.ModelProto, base_dir: str | None, names: list[str], feed: dict) -> tuple[dict, str]:
    try:
        import onnxruntime as ort
    except ImportError:
        raise RuntimeError("comparing with onnxruntime needs it installed (pip install onnxruntime)") from None
    exposed = _expose(proto, names)
    loader.load_external_data(exposed, base_dir)
    so = ort.SessionOptions()
    so.log_severity_level = 4  # its failures come back as the exception below; no log on stderr
    with tempfile.TemporaryDirectory(prefix="refrt-compare-") as tmp:
        try:
            if exposed.ByteSize() < onnx.checker.MAXIMUM_PROTOBUF:
                sess = ort.InferenceSession(exposed.SerializeToString(), so, providers=["CPUExecutionProvider"])
            else:  # over protobuf's 2 GB: onnxruntime reads the weights from a file beside the model
                path = os.path.join(tmp, "model.onnx")
                onnx.save_model(exposed, path, save_as_external_data=True, location="model.data")
                sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
            ort_feed = {a.name: feed[a.name] for a in sess.get_inputs() if a.name in feed}
            values = sess.run(names, ort_feed)
        except Exception as e:  # noqa: BLE001 - onnxruntime's own classes; the message says what failed
            raise RuntimeError(f"onnxruntime could not run the model with its intermediates exposed: {e}") from None
    return dict(zip(names, values)), f"onnxruntime {ort.__version__} [CPUExecutionProvider]"


def _expose(proto: onnx.ModelProto, names: list[str]) -> onnx.ModelProto:
    """A copy of ``proto`` whose graph outputs are ``names`` (types from shape inference)."""
    try:
        from refrt.slicing import slice_model  # the intended tool, when present (issue 8, part 1)
    except ImportError:
        slice_model = None
    if slice_model is not None:
        return _unique_node_names(slice_model(proto, outputs=names))
    try:
        inferred = onnx.shape_inference.infer_shapes(proto)
    except Exception:  # noqa: BLE001 - a model shape inference rejects still runs: outputs go untyped
        inferred = proto
    typed = {vi.name: vi for vi in [*inferred.graph.value_info, *inferred.graph.output]}
    exposed = onnx.ModelProto()
    exposed.CopyFrom(proto)
    del exposed.graph.output[:]
    for name in names:
        vi = typed.get(name)
        exposed.graph.output.append(vi if vi is not None else onnx.ValueInfoProto(name=name))
    return _unique_node_names(exposed)


def _unique_node_names(model: onnx.ModelProto) -> onnx.ModelProto:
    """onnxruntime refuses two nodes of one graph with the same name (refrt does not): rename the later ones."""
    seen: set[str] = set()
    for i, node in enumerate(model.graph.node):
        if node.name and node.name in seen:
            node.name = f"{node.name}__{i}"
        seen.add(node.name)
    return model


# -- comparing values -----------------------------------------------------------------------------------

def _run_isolated(node_proto, node: ir.Node, proto, tested_sess, sess_options, feed, tested, reference) -> dict | None:
    """The node alone, run by the tested side on the *reference's* values of its inputs.

    Separates a node that computes differently from one that only amplifies its inputs' rounding
    (a BatchNormalization over a near-zero variance, a subtraction that cancels): if it agrees when
    both sides start from the same inputs, the divergence came in with its inputs. None when the
    node cannot be run alone (an input that is not a tensor or a sequence of tensors).
    """
    import refrt
    from refrt.types import elem_type_of

    produced = set(tested)
    initializers = {t.name for t in proto.graph.initializer}
    values: dict[str, Any] = {}
    for name in dict.fromkeys(n for n in [*node.inputs, *node.implicit_inputs] if n):
        if name in produced:
            value = reference.get(name)
        elif name in feed:
            value = feed[name]
        elif name in initializers:
            value = tested_sess.run([name], feed)[0]  # the constants as the tested side holds them
        else:
            return None
        values[name] = value
    inputs = []
    for name, value in values.items():
        if isinstance(value, np.ndarray):
            inputs.append(onnx.helper.make_tensor_value_info(name, elem_type_of(value), value.shape))
        elif isinstance(value, list) and value and all(isinstance(v, np.ndarray) for v in value):
            inputs.append(onnx.helper.make_tensor_sequence_value_info(name, elem_type_of(value[0]), None))
        else:
            return None
    outputs = [onnx.ValueInfoProto(name=o) for o in node.outputs if o]
    graph = onnx.helper.make_graph([node_proto], "isolated", inputs, outputs)
    alone = onnx.helper.make_model(graph, opset_imports=list(proto.opset_import), ir_version=proto.ir_version)
    try:
        sess = refrt.InferenceSession(alone, sess_options, providers=tested_sess.get_providers())
        got = sess.run([o.name for o in outputs], values)
    except Exception:  # noqa: BLE001 - a node that cannot run alone keeps its verdict from the full run
        return None
    return dict(zip([o.name for o in outputs], got))


def _rows(nodes: list[ir.Node], tested: dict, reference: dict, graph_outputs: set, rtol, atol, isolated=None) -> list[Row]:
    bad: set[str] = set()  # values beyond tolerance
    rows: list[Row] = []
    first_seen = False
    for node in nodes:
        inputs_agree = not any(n in bad for n in [*node.inputs, *node.implicit_inputs])
        node_rows = []
        for out in node.outputs:
            if not out or out not in tested:
                continue
            if out in reference:
                status, note, abs_err, rel_err = compare_values(tested[out], reference[out], rtol, atol)
            else:
                status, note, abs_err, rel_err = NOT_COMPARED, "the reference model has no such value", None, None
            if status == DIVERGED:
                bad.add(out)
            node_rows.append([out, status, note, abs_err, rel_err])
        alone = None
        if inputs_agree and isolated is not None and any(r[1] == DIVERGED for r in node_rows):
            alone = isolated(node)
        for row in node_rows:
            out, status, note, abs_err, rel_err = row
            origin = status == DIVERGED and inputs_agree
            if origin and alone is not None and out in alone:
                verdict = compare_values(alone[out], reference[out], rtol, atol)
                if verdict[0] == OK:
                    origin = False
                    note += "; agrees when run alone on the reference's inputs (their rounding, amplified)"
                else:
                    note += "; confirmed: diverges when run alone on the reference's inputs"
            first = origin and not first_seen
            first_seen = first_seen or first
            got, ref = tested[out], reference.get(out)
            rows.append(Row(
                node_index=node.index, node_name=node.name, op_type=node.op_type, output=out,
                shape=_shape_of(got), reference_shape=_shape_of(ref), dtype=_dtype_of(got), reference_dtype=_dtype_of(ref),
                max_abs_error=abs_err, max_rel_error=rel_err, status=status, note=note, origin=origin, first=first,
                is_graph_output=out in graph_outputs,
            ))
    return rows


def compare_values(got: Any, ref: Any, rtol: float | None = None, atol: float | None = None) -> tuple[str, str, float | None, float | None]:
    """(status, note, max abs error, max relative error) of one value against its reference.

    Tensors element by element; sequences element-wise (the worst element counts); maps key by key;
    None (an empty optional) equals only None. Anything else is "not compared".
    """
    if got is None or ref is None:
        if got is None and ref is None:
            return OK, "both empty", None, None
        return DIVERGED, f"{_kind(got)} vs {_kind(ref)}", None, None
    if isinstance(got, (list, tuple)) and isinstance(ref, (list, tuple)):
        if len(got) != len(ref):
            return DIVERGED, f"sequence of {len(got)} vs {len(ref)}", None, None
        return _worst([compare_values(g, r, rtol, atol) for g, r in zip(got, ref)], "element")
    if isinstance(got, dict) and isinstance(ref, dict):
        if sorted(got, key=repr) != sorted(ref, key=repr):
            return DIVERGED, "map keys differ", None, None
        return _worst([compare_values(got[k], ref[k], rtol, atol) for k in got], "key")
    if isinstance(got, (np.ndarray, np.generic)) and isinstance(ref, (np.ndarray, np.generic)):
        return _compare_arrays(np.asarray(got), np.asarray(ref), rtol, atol)
    if isinstance(got, (int, float, str, bool)) and isinstance(ref, (int, float, str, bool)):
        return _compare_arrays(np.asarray(got), np.asarray(ref), rtol, atol)
    return NOT_COMPARED, f"{_kind(got)} vs {_kind(ref)}", None, None


def _worst(results: list, what: str):
    if not results:
        return OK, "empty", 0.0, 0.0
    status = DIVERGED if any(r[0] == DIVERGED for r in results) else (
        NOT_COMPARED if all(r[0] == NOT_COMPARED for r in results) else OK)
    abs_errs = [r[2] for r in results if r[2] is not None]
    rel_errs = [r[3] for r in results if r[3] is not None]
    bad = [i for i, r in enumerate(results) if r[0] == DIVERGED]
    note = f"{what} {bad[0]}: {results[bad[0]][1]}".rstrip(": ") if bad else ""
    return status, note, max(abs_errs) if abs_errs else None, max(rel_errs) if rel_errs else None


def _compare_arrays(got: np.ndarray, ref: np.ndarray, rtol, atol):
    if got.shape != ref.shape:
        return DIVERGED, f"shape {list(got.shape)} vs {list(ref.shape)}", None, None
    strings = got.dtype.kind in "OUS" or ref.dtype.kind in "OUS"
    if strings:
        if got.dtype.kind not in "OUS" or ref.dtype.kind not in "OUS":
            return DIVERGED, f"dtype {got.dtype} vs {ref.dtype}", None, None
        equal = np.array_equal(got.astype(str), ref.astype(str)) if got.size else True
        return (OK, "", None, None) if equal else (DIVERGED, "strings differ", None, None)
    if got.dtype != ref.dtype:
        return DIVERGED, f"dtype {got.dtype} vs {ref.dtype}", None, None
    d_rtol, d_atol = default_tolerance(got.dtype)
    rtol = d_rtol if rtol is None else rtol
    atol = d_atol if atol is None else atol
    if got.size == 0:
        return OK, "", 0.0, 0.0
    try:
        kind = np.complex128 if got.dtype.kind == "c" else np.float64
        g, r = got.astype(kind), ref.astype(kind)
    except (TypeError, ValueError):
        same = got.tobytes() == ref.tobytes()
        return (OK, "compared bitwise", None, None) if same else (DIVERGED, "bits differ", None, None)
    both_nan = np.isnan(g) & np.isnan(r)
    same_inf = np.isinf(g) & np.isinf(r) & (g == r)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        diff = np.abs(g - r)
        diff = np.where(both_nan | same_inf, 0.0, diff)
        diff = np.where(np.isnan(diff), np.inf, diff)  # NaN on one side only
        scale = np.abs(r)
        rel = np.where(diff == 0, 0.0, np.where(scale > 0, diff / np.where(scale > 0, scale, 1), np.inf))
    within = diff <= atol + rtol * np.where(np.isfinite(scale), scale, 0)
    abs_err, rel_err = float(diff.max()), float(rel.max())
    if bool(within.all()):
        return OK, "", abs_err, rel_err
    count = int((~within).sum())
    return DIVERGED, f"{count} of {got.size} elements", abs_err, rel_err


# -- formatting -----------------------------------------------------------------------------------------

def _shape_of(v: Any) -> tuple | None:
    if isinstance(v, (np.ndarray, np.generic)):
        return tuple(np.shape(v))
    if isinstance(v, (list, tuple)):
        return (len(v),)  # a sequence: its length
    return None


def _dtype_of(v: Any) -> str:
    if isinstance(v, (np.ndarray, np.generic)):
        return "string" if v.dtype.kind in "OUS" else str(v.dtype)
    return _kind(v)


def _kind(v: Any) -> str:
    if v is None:
        return "None"
    if isinstance(v, (list, tuple)):
        inner = _dtype_of(v[0]) if len(v) else ""
        return f"seq({inner})"
    if isinstance(v, dict):
        return "map"
    if isinstance(v, np.ndarray):
        return f"tensor({_dtype_of(v)})"
    return type(v).__name__


def _named(row: Row) -> str:
    return f"'{row.node_name}' " if row.node_name else ""


def _shape(s: tuple | None) -> str:
    return "-" if s is None else "[" + ",".join(str(d) for d in s) + "]"


def _num(x: float | None) -> str:
    if x is None:
        return "-"
    return "inf" if math.isinf(x) else f"{x:.3g}"


def _fit(text: str, width: int) -> str:
    return (text if len(text) <= width else text[: width - 1] + "~").ljust(width)


def _tolerance_text(rtol, atol) -> str:
    if rtol is None and atol is None:
        return "tolerance: per dtype (float32 rtol 1e-4 atol 1e-5; float16 rtol 1e-2 atol 1e-3; integers exact)"
    return f"tolerance: rtol {rtol if rtol is not None else 'per dtype'}, atol {atol if atol is not None else 'per dtype'}"


# -- the command ----------------------------------------------------------------------------------------

def add_cli(sub) -> None:
    p = sub.add_parser("compare", help="every node's outputs, refrt against onnxruntime (or refrt's providers)")
    p.add_argument("model")
    p.add_argument("--input", action="append", default=[], metavar="NAME=FILE.npy")
    p.add_argument("--providers", metavar="A[,B]",
                   help="A: the refrt provider to test (against onnxruntime); A,B: refrt's provider A against B")
    p.add_argument("--reference", metavar="MODEL", help="run this model (same value names) on the reference side")
    p.add_argument("--rtol", type=float, help="relative tolerance for every numeric type (default per dtype)")
    p.add_argument("--atol", type=float, help="absolute tolerance for every numeric type (default per dtype)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random inputs")
    p.add_argument("--all", action="store_true", help="print every row, not only those that matter")
    p.set_defaults(func=cmd_compare)


def cmd_compare(args: argparse.Namespace) -> int:
    feeds = {}
    for spec in args.input:
        if "=" not in spec:
            raise ValueError(f"--input expects NAME=FILE.npy, got '{spec}'")
        name, path = spec.split("=", 1)
        feeds[name] = np.load(path, allow_pickle=False)
    providers, against = None, ONNXRUNTIME
    if args.providers:
        chosen = [p.strip() for p in args.providers.split(",") if p.strip()]
        if len(chosen) > 2:
            raise ValueError(f"--providers takes one provider (against onnxruntime) or two (A,B), got {chosen}")
        providers = [chosen[0]]
        if len(chosen) == 2:
            against = [chosen[1]]
    table = compare(args.model, feeds, providers=providers, against=against, rtol=args.rtol, atol=args.atol,
                    seed=args.seed, reference_model=args.reference)
    print(f"model: {args.model}")
    print(table.format(all_rows=args.all))
    return 0 if table.agree else 1
