"""One-process benchmark report: refrt, onnxruntime and onnx.reference, alternating.

    python -m bench.report                  # light_resnet50 and light_squeezenet, batch 1
    python -m bench.report --rounds 20 --reference-rounds 3

The runtimes take turns within each round (the one that starts rotates), so a machine that
speeds up or slows down during the run shifts them all alike. Prints medians with the ratios
refrt/onnxruntime and onnx.reference/refrt, the runtimes' own cost per node (a chain of 1,000
tiny nodes), and the BLAS numpy uses; writes the same as JSON under bench/results/.

refrt is timed only after its outputs matched onnxruntime's; when they do not (or it fails),
the row says why instead of giving a time. onnx.reference is timed even when wrong and flagged.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import time
import traceback
from typing import Any

import numpy as np

from bench import workloads

RESULTS_DIR = pathlib.Path(__file__).with_name("results")


def _prepare(runtimes, model, feeds, expected, rtol=workloads.RTOL, atol=workloads.ATOL):
    """Runners per runtime, plus an entry per runtime with session time and what went wrong."""
    runners, entries = {}, {}
    for rt in runtimes:
        entry: dict[str, Any] = {}
        t0 = time.perf_counter()
        try:
            run, wrong = workloads.verified_runner(rt, model, feeds, expected, rtol, atol)
        except Exception as err:  # report the failure and time the others
            entry["error"] = f"{type(err).__name__}: {err}".strip()[:2000]
            entry["traceback"] = traceback.format_exc(limit=-3)
        else:
            entry["session_and_first_run_s"] = time.perf_counter() - t0
            if wrong:
                entry["wrong_output"] = wrong[:2000]
            runners[rt] = run
        entries[rt] = entry
    return runners, entries


def _time_alternating(runners: dict, rounds: dict[str, int], pause: float) -> dict[str, list[float]]:
    """Seconds per run; in round i the runtimes start at a rotating offset and take turns.

    Each run starts ``pause`` seconds after the previous one ended: onnxruntime's thread pool
    spin-waits for a while after a run (its default), and on a small machine those spinning
    threads take the cores that numpy's BLAS threads need, doubling the next refrt time.
    """
    names = list(runners)
    times: dict[str, list[float]] = {n: [] for n in names}
    for i in range(max(rounds[n] for n in names) if names else 0):
        for n in names[i % len(names):] + names[:i % len(names)]:
            if len(times[n]) < rounds[n]:
                time.sleep(pause)
                t0 = time.perf_counter()
                runners[n]()
                times[n].append(time.perf_counter() - t0)
    return times


def _bench(runtimes, model, feeds, expected, rounds, pause, **tol) -> dict[str, dict]:
    runners, entries = _prepare(runtimes, model, feeds, expected, **tol)
    for rt, ts in _time_alternating(runners, {rt: rounds[rt] for rt in runners}, pause).items():
        entries[rt].update(median_s=statistics.median(ts), min_s=min(ts), times_s=ts)
    return entries


def _ratio(a: dict, b: dict) -> float | None:
    return a["median_s"] / b["median_s"] if "median_s" in a and "median_s" in b else None


def run_report(models, runtimes, rounds: int, reference_rounds: int, chain_rounds: int,
               pause: float = 0.05) -> dict[str, Any]:
    import onnxruntime as ort

    ort.set_default_logger_severity(3)  # only errors: the light models make ORT warn on every session
    report: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": workloads.machine_info(),
        "settings": {"rounds": rounds, "reference_rounds": reference_rounds, "chain_rounds": chain_rounds,
                     "chain_length": workloads.CHAIN_LENGTH, "batch": 1, "pause_s": pause,
                     "onnxruntime_options": "CPUExecutionProvider, default SessionOptions",
                     "refrt_options": "CPUExecutionProvider, default SessionOptions"},
        "load_average_at_start": os.getloadavg(),
        "models": {},
    }
    per_runtime = {rt: (reference_rounds if rt == "onnx.reference" else rounds) for rt in runtimes}
    for name in models:
        model = workloads.load_light(name)
        feeds = workloads.feeds_for(model)
        expected = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, feeds)
        entries = _bench(runtimes, model, feeds, expected, per_runtime, pause)
        report["models"][name] = {
            "runtimes": entries,
            "refrt/onnxruntime": _ratio(entries.get("refrt", {}), entries.get("onnxruntime", {})),
            "onnx.reference/refrt": _ratio(entries.get("onnx.reference", {}), entries.get("refrt", {})),
        }

    chain = workloads.chain_model()
    x = np.array([0.25], dtype=np.float32)
    entries = _bench(runtimes, chain, {"x": x}, [workloads.chain_expected(x)],
                     {rt: chain_rounds for rt in runtimes}, pause, rtol=0, atol=0)
    for entry in entries.values():
        if "median_s" in entry:
            entry["us_per_node"] = entry["median_s"] * 1e6 / workloads.CHAIN_LENGTH
    report["per_node_overhead"] = entries
    # Other processes on the machine show up in the times; the load average says if there were any.
    report["load_average_at_end"] = os.getloadavg()
    return report


def _cell(entry: dict, scale: float, unit_fmt: str) -> str:
    if "error" in entry:
        return "FAILED"
    if "median_s" not in entry:
        return "-"
    return unit_fmt.format(entry["median_s"] * scale) + (" *" if "wrong_output" in entry else "")


def format_report(report: dict[str, Any]) -> str:
    runtimes = list(next(iter(report["models"].values()))["runtimes"]) if report["models"] else []
    lines = [f"median ms per run, batch 1 (rounds: {report['settings']['rounds']}, "
             f"onnx.reference: {report['settings']['reference_rounds']})", ""]
    header = f"{'model':<20}" + "".join(f"{rt:>17}" for rt in runtimes) + f"{'refrt/ort':>12}{'ref/refrt':>12}"
    lines += [header, "-" * len(header)]
    notes = []
    for name, m in report["models"].items():
        row = f"{name:<20}" + "".join(f"{_cell(m['runtimes'][rt], 1e3, '{:.1f}'):>17}" for rt in runtimes)
        for key in ("refrt/onnxruntime", "onnx.reference/refrt"):
            row += f"{'-' if m[key] is None else f'{m[key]:.2f}x':>12}"
        lines.append(row)
        for rt, e in m["runtimes"].items():
            if "error" in e:
                notes.append(f"{name} / {rt} FAILED: {e['error'].splitlines()[0]}")
            elif "wrong_output" in e:
                notes.append(f"{name} / {rt} * output differs from onnxruntime: "
                             f"{' '.join(e['wrong_output'].split())[:160]}")
    lines += ["", f"per-node overhead (chain of {report['settings']['chain_length']} Add/Neg nodes "
                  f"on a 1-element tensor, median of {report['settings']['chain_rounds']} runs):"]
    for rt, e in report["per_node_overhead"].items():
        if "us_per_node" in e:
            lines.append(f"  {rt:<16} {e['us_per_node']:8.2f} us/node")
        else:
            lines.append(f"  {rt:<16} FAILED: {e.get('error', '?').splitlines()[0]}")
    blas = report["machine"]["blas"]
    lines += ["", f"numpy {report['machine']['numpy']} BLAS: {blas['numpy_blas']}",
              f"threadpools: {blas['threadpools']}",
              f"OPENBLAS_CORETYPE: {blas['OPENBLAS_CORETYPE'] or 'not set'}; "
              f"cpus: {report['machine']['cpu_count']}; onnxruntime {report['machine']['onnxruntime']}; "
              "load average at start/end: "
              f"{report['load_average_at_start'][0]:.1f}/{report['load_average_at_end'][0]:.1f}"]
    if notes:
        lines += [""] + notes
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.report", description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list(workloads.LIGHT_MODELS))
    parser.add_argument("--runtimes", nargs="+", default=list(workloads.RUNTIMES), choices=workloads.RUNTIMES)
    parser.add_argument("--rounds", type=int, default=10, help="timed runs per model for refrt and onnxruntime")
    parser.add_argument("--reference-rounds", type=int, default=2, help="timed runs for onnx.reference (slow)")
    parser.add_argument("--chain-rounds", type=int, default=50, help="timed runs of the 1,000-node chain")
    parser.add_argument("--pause", type=float, default=0.05,
                        help="seconds between timed runs, so onnxruntime's spinning threads go idle")
    parser.add_argument("--out", type=pathlib.Path, default=None, help="JSON path (default bench/results/)")
    args = parser.parse_args(argv)

    report = run_report(args.models, args.runtimes, args.rounds, args.reference_rounds, args.chain_rounds,
                        args.pause)
    print(format_report(report))
    out = args.out or RESULTS_DIR / f"report-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1))
    print(f"\nwrote {out}")
    failed = any("error" in e for m in report["models"].values() for e in m["runtimes"].values())
    return 1 if failed or any("error" in e for e in report["per_node_overhead"].values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
