"""The ``refrt`` command: run a model, describe a model, or run the bundled demo."""

from __future__ import annotations

import argparse
import collections
import importlib
import math
import os
import statistics
import sys
import time
from typing import Sequence

import numpy as np
import onnx

import refrt
from refrt import registry
from refrt.errors import OrtError
from refrt.plan import schema_for
from refrt.providers import KNOWN
from refrt.types import np_dtype

# Subcommands that live beside the feature they drive: refrt/<name>.py defines ``add_cli(subparsers)``.
FEATURE_CLIS: tuple[str, ...] = ("compare", "hub", "slicing")

DEMO_MODEL = os.path.join(os.path.dirname(__file__), "models", "demo_cnn.onnx")


def random_inputs(sess: refrt.InferenceSession, dims: dict[str, int] | None = None, seed: int = 0) -> dict[str, np.ndarray]:
    """Inputs of the declared shapes and types; symbolic dims take ``dims[name]`` or 1."""
    rng = np.random.default_rng(seed)
    feeds = {}
    for arg in sess.get_inputs():
        if not arg.type.startswith("tensor("):
            raise ValueError(f"input '{arg.name}' is {arg.type}: give it with --input NAME=FILE.npy")
        shape = [d if isinstance(d, int) else (dims or {}).get(d, 1) for d in arg.shape]
        elem = getattr(onnx.TensorProto, arg.type[len("tensor("):-1].upper())
        dtype = np_dtype(elem)
        if dtype.kind == "f" or dtype.kind == "V":
            value = rng.standard_normal(shape).astype(dtype)
        elif dtype.kind in "iu":
            value = rng.integers(0, 10, size=shape).astype(dtype)
        elif dtype.kind == "b":
            value = rng.random(shape) > 0.5
        elif dtype.kind == "c":
            value = (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)
        else:
            value = np.full(shape, "a", dtype=object)
        feeds[arg.name] = np.asarray(value)  # a 0-d comparison gives a NumPy scalar, not an array
    return feeds


def summarize(name: str, value) -> str:
    if not isinstance(value, np.ndarray):
        return f"  {name}: {type(value).__name__} ({len(value) if hasattr(value, '__len__') else ''})"
    line = f"  {name}: {value.dtype} {list(value.shape)}"
    if value.size and value.dtype.kind in "fiub":
        v = value.astype(np.float64)
        line += f"  min {v.min():.6g}  max {v.max():.6g}  mean {v.mean():.6g}"
    return line


def _time_runs(run, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        run()
        times.append(time.perf_counter() - t)
    return times


def cmd_run(args: argparse.Namespace) -> int:
    providers = args.providers.split(",") if args.providers else None
    t = time.perf_counter()
    sess = refrt.InferenceSession(args.model, providers=providers)
    created = time.perf_counter() - t
    dims = dict(_pair(d, int) for d in args.dim)
    feeds = random_inputs(sess, dims, seed=args.seed)
    for spec in args.input:
        name, path = _pair(spec, str)
        feeds[name] = np.load(path, allow_pickle=False)
    outputs = args.output or None
    results = sess.run(outputs, feeds)
    times = _time_runs(lambda: sess.run(outputs, feeds), args.repeat)
    print(f"model: {args.model}  providers: {sess.get_providers()}")
    print("inputs:")
    for name, value in feeds.items():
        print(summarize(name, value))
    print("outputs:")
    for name, value in zip(outputs or [o.name for o in sess.get_outputs()], results):
        print(summarize(name, value))
    print(f"session creation {created * 1e3:.1f} ms; run median {statistics.median(times) * 1e3:.3f} ms over {len(times)} runs")
    return 0


def _pair(text: str, cast):
    if "=" not in text:
        raise SystemExit(f"expected NAME=VALUE, got '{text}'")
    name, value = text.split("=", 1)
    return name, cast(value)


def coverage_rows(model: onnx.ModelProto) -> list[tuple[str, int, dict[str, bool]]]:
    """For each (domain:op, revision) of the model, which known providers have a kernel."""
    opsets = {("" if o.domain == "ai.onnx" else o.domain): o.version for o in model.opset_import}
    seen = {}
    for node in _all_nodes(model.graph):
        domain = "" if node.domain == "ai.onnx" else node.domain
        schema = schema_for(node.op_type, opsets.get(domain, 1), domain)
        version = schema.since_version if schema else opsets.get(domain, 1)
        seen[(domain, node.op_type, version)] = None
    rows = []
    for domain, op, version in seen:
        have = {}
        for name, provider in KNOWN.items():
            if provider.available():
                provider.discover()
            have[name] = registry.lookup(domain, op, version, name) is not None
        rows.append((f"{domain + ':' if domain else ''}{op}", version, have))
    return sorted(rows)


def _all_nodes(graph: onnx.GraphProto):
    for node in graph.node:
        yield node
        for a in node.attribute:
            if a.type == onnx.AttributeProto.GRAPH:
                yield from _all_nodes(a.g)
            for g in a.graphs:
                yield from _all_nodes(g)


def cmd_info(args: argparse.Namespace) -> int:
    model = onnx.load(args.model, load_external_data=False)
    providers = [p.strip() for p in args.providers.split(",")] if args.providers else None
    sess = refrt.InferenceSession(args.model, providers=providers) if not args.no_session else None
    print(f"model: {args.model}")
    print(f"  ir_version {model.ir_version}; producer {model.producer_name} {model.producer_version}".rstrip())
    print("  opsets: " + ", ".join(f"{o.domain or 'ai.onnx'}={o.version}" for o in model.opset_import))
    inits = {t.name for t in model.graph.initializer}
    print("inputs:")
    for vi in model.graph.input:
        if vi.name not in inits:
            print(f"  {vi.name}: {refrt.types.type_string(vi.type)} {refrt.types.shape_of(vi.type)}")
    print("outputs:")
    for vi in model.graph.output:
        print(f"  {vi.name}: {refrt.types.type_string(vi.type)} {refrt.types.shape_of(vi.type)}")
    params = sum(math.prod(t.dims) for t in model.graph.initializer)
    print(f"parameters: {params:,} in {len(model.graph.initializer)} initializers")
    hist = collections.Counter(n.op_type for n in _all_nodes(model.graph))
    print(f"nodes: {sum(hist.values())}")
    for op, count in hist.most_common():
        print(f"  {op:<28}{count:>6}")
    rows = coverage_rows(model)
    names = list(KNOWN)
    print("kernel coverage (op, revision: " + ", ".join(names) + "):")
    for op, version, have in rows:
        marks = "  ".join(("yes" if have[n] else ("-" if KNOWN[n].available() else "n/a")).ljust(len(n)) for n in names)
        print(f"  {op + '(' + str(version) + ')':<34}{marks}")
    if sess is not None:
        where = ", ".join(f"{name} {count}" for name, count in sess.placement().items())
        print(f"placement in this session ({', '.join(sess.get_providers())}), nodes after optimization: {where}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    path = args.model or DEMO_MODEL
    print(f"refrt {refrt.__version__} demo: {os.path.relpath(path)}")
    t = time.perf_counter()
    sess = refrt.InferenceSession(path)
    created = time.perf_counter() - t
    feeds = random_inputs(sess, {"batch": args.batch}, seed=0)
    (ours,) = sess.run(None, feeds)[:1]
    times = _time_runs(lambda: sess.run(None, feeds), args.repeat)
    print(f"  refrt       ({', '.join(sess.get_providers())}): session {created * 1e3:.1f} ms, "
          f"run median {statistics.median(times) * 1e3:.3f} ms")
    print("  refrt says, first row: " + np.array2string(np.asarray(ours)[0], precision=4, max_line_width=120))
    try:
        import onnxruntime as ort
    except ImportError:
        print("  onnxruntime is not installed: nothing to compare with (pip install onnxruntime)")
        return 0
    so = ort.SessionOptions()
    so.log_severity_level = 3
    t = time.perf_counter()
    other = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    created = time.perf_counter() - t
    (theirs,) = other.run(None, feeds)[:1]
    times = _time_runs(lambda: other.run(None, feeds), args.repeat)
    print(f"  onnxruntime {ort.__version__}: session {created * 1e3:.1f} ms, run median {statistics.median(times) * 1e3:.3f} ms")
    print("  onnxruntime says:      " + np.array2string(np.asarray(theirs)[0], precision=4, max_line_width=120))
    diff = float(np.max(np.abs(np.asarray(ours, np.float64) - np.asarray(theirs, np.float64))))
    agree = np.allclose(ours, theirs, rtol=1e-4, atol=1e-5)
    print(f"  max abs difference {diff:.3g}: {'agree' if agree else 'DISAGREE'} (rtol 1e-4, atol 1e-5)")
    return 0 if agree else 1


OPTIMIZE_LEVELS = {"basic": "ORT_ENABLE_BASIC", "extended": "ORT_ENABLE_EXTENDED", "layout": "ORT_ENABLE_LAYOUT",
                   "all": "ORT_ENABLE_ALL"}


def cmd_optimize(args: argparse.Namespace) -> int:
    from refrt import levels

    level = refrt.GraphOptimizationLevel[OPTIMIZE_LEVELS[args.level]]
    so = refrt.SessionOptions()
    so.graph_optimization_level = level
    so.optimized_model_filepath = args.output
    if args.disable:
        so.add_session_config_entry("session.disable_optimizers", ",".join(args.disable))
    providers = args.providers.split(",") if args.providers else None
    t = time.perf_counter()
    sess = refrt.InferenceSession(args.model, so, providers=providers)
    created = time.perf_counter() - t
    # The session does not keep its per-pass counts: run the same passes again to report them.
    report: list = []
    levels.optimize(sess._graph, level, sess._compiled.providers, frozenset(args.disable), report=report)
    print(f"model: {args.model}  level: {level.name}  providers: {sess.get_providers()}")
    print(f"  {'pass':<36}{'before':>8}{'after':>8}  changes")
    net: collections.Counter = collections.Counter()  # op types the passes added, less those they removed
    for name, before, after, added, removed in report:
        changes = ", ".join([f"-{op} {n}" for op, n in sorted(removed.items())] + [f"+{op} {n}" for op, n in sorted(added.items())])
        print(f"  {name:<36}{before:>8}{after:>8}  {changes or 'nothing'}")
        net.update(added)
        net.subtract(removed)
    first, last = (report[0][1], report[-1][2]) if report else (len(sess._graph.nodes),) * 2
    print(f"nodes: {first} -> {last}")
    # Fusions by kind: the new op types in the final graph (a LayerNormalization later merged into a
    # SkipLayerNormalization counts once, as the latter).
    fusions = ", ".join(f"{op} {n}" for op, n in net.most_common() if n > 0)
    print(f"fusions by kind: {fusions or 'none'}")
    print(f"session creation {created * 1e3:.1f} ms; optimized model written to {args.output}")
    return 0


def _conformance_options():
    """conformance/ sits beside refrt/ in the source tree and is not installed with the package."""
    import importlib

    try:
        return importlib.import_module("conformance.options")
    except ImportError:
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        if not os.path.isfile(os.path.join(root, "conformance", "options.py")):
            return None
        sys.path.insert(0, root)
        return importlib.import_module("conformance.options")


def cmd_conformance(args: argparse.Namespace) -> int:
    if _conformance_options() is None:
        raise SystemExit("refrt conformance runs from refrt's source tree (its conformance/ folder is not installed)")
    from conformance.runner import run_from_args

    return run_from_args(args)


def _bench_report():
    """bench/ sits beside refrt/ in the source tree and is not installed with the package."""
    import importlib

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if not os.path.isfile(os.path.join(root, "bench", "report.py")):
        return None
    if root not in sys.path:
        sys.path.insert(0, root)
    return importlib.import_module("bench.report")


def cmd_bench(args: argparse.Namespace) -> int:
    report = _bench_report()
    if report is None:
        raise SystemExit("refrt bench runs from refrt's source tree (its bench/ folder is not installed)")
    return report.run_from_args(args)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="refrt", description="A readable, trustworthy ONNX runtime.")
    parser.add_argument("--version", action="version", version=f"refrt {refrt.__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="run a model on given or random inputs; print output summaries and timing")
    p.add_argument("model")
    p.add_argument("--input", action="append", default=[], metavar="NAME=FILE.npy")
    p.add_argument("--output", action="append", default=[], metavar="NAME", help="any value name, intermediates too")
    p.add_argument("--providers", help="comma-separated, e.g. CPUExecutionProvider")
    p.add_argument("--dim", action="append", default=[], metavar="SYMBOL=N", help="value of a symbolic dimension")
    p.add_argument("--repeat", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("info", help="inputs, outputs, opsets, op histogram, parameters, kernel coverage")
    p.add_argument("model")
    p.add_argument("--no-session", action="store_true", help="describe only; do not build a session")
    p.add_argument("--providers", help="comma-separated, e.g. NumbaExecutionProvider,CPUExecutionProvider")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("demo", help="run the bundled demo model and compare with onnxruntime")
    p.add_argument("--model", help=argparse.SUPPRESS)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--repeat", type=int, default=20)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("optimize", help="write the graph optimized at a level; print what each pass changed")
    p.add_argument("model")
    p.add_argument("-o", "--output", required=True, help="where the optimized model goes (.onnx)")
    p.add_argument("--level", choices=list(OPTIMIZE_LEVELS), default="all")
    p.add_argument("--providers", help="comma-separated, e.g. CPUExecutionProvider")
    p.add_argument("--disable", action="append", default=[], metavar="PASS", help="skip a pass by name (repeatable)")
    p.set_defaults(func=cmd_optimize)

    p = sub.add_parser("conformance", help="run the ONNX backend suite (every group) through refrt and onnxruntime")
    options = _conformance_options()
    if options is not None:
        options.add_arguments(p, default_kind="all")
    p.set_defaults(func=cmd_conformance)

    p = sub.add_parser("bench", help="time refrt against onnxruntime and onnx.reference (the set, a subset, or MODEL.onnx)")
    bench = _bench_report()
    if bench is not None:
        bench.add_arguments(p)
    p.set_defaults(func=cmd_bench)

    for name in FEATURE_CLIS:
        importlib.import_module(f"refrt.{name}").add_cli(sub)

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (OrtError, ValueError, RuntimeError) as e:
        print(f"refrt: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
