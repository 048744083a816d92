"""One-process benchmark report: refrt, onnxruntime and onnx.reference, alternating, as ratios.

    python -m bench.report                        # the whole set, 1 thread and default threads
    python -m bench.report mlp resnet18 light     # named models or tags (small, light, sklearn)
    python -m bench.report my_model.onnx --batch 1 16 --dim seq=128
    python -m bench.report --quick                # one timed round each, batch 1 (what CI runs)
    refrt bench ...                               # the same, from refrt's source tree

For each model, batch and thread setting, every runtime's session is created from the model file,
run once (warm-up, excluded) and its outputs compared with onnxruntime's: a runtime that disagrees
is refused, never timed. A second untimed run sets the round count (a first run may compile kernels:
the Numba provider's first run loads or compiles them; ``first_run_s`` keeps what it cost). Then the
runtimes take turns run by run (the one that starts rotates every round), so a machine that speeds up or slows down shifts them all alike. onnx.reference
gets a time cap: a run over it is recorded alone and marked. Peak memory comes from a fresh
process per runtime and model (see bench/memory.py). Progress goes to stderr; the table to
stdout; the JSON, a PNG chart of the ratios and (optionally) a Markdown table to files.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import pathlib
import statistics
import sys
import time
import traceback
from typing import Any

import numpy as np
import onnx

from bench import memory, models, workloads
from bench.workloads import ORT, REFERENCE

RESULTS_DIR = pathlib.Path(__file__).with_name("results")
README_BEGIN, README_END = "<!-- bench-report:begin -->", "<!-- bench-report:end -->"


@dataclasses.dataclass
class Settings:
    thread_modes: tuple[str, ...] = ("1", "default")
    target_s: float = 1.0          # timed seconds aimed at per runtime, model, batch and thread setting
    min_rounds: int = 5
    max_rounds: int = 30
    reference_rounds: int = 3      # at most, for onnx.reference (it takes seconds per run)
    cap_s: float = 1.0             # an onnx.reference run over this is recorded alone and marked
    capped: tuple[str, ...] = (REFERENCE,)
    pause_s: float = 0.15          # after each run with several threads: idle pools spin ~0.1 s
    batches: tuple[int, ...] | None = None   # instead of each model's own (1, throughput batch)
    quick: bool = False            # one timed round each; first batch only unless ``batches`` given
    memory: bool = True
    memory_timeout_s: float = 300
    chain_rounds: int = 50
    cache: str = str(models.CACHE_DIR)

    def rounds(self, runtime: str, first_run_s: float) -> tuple[int, bool]:
        """How many timed runs, and whether that is 1 because the warm-up run went over the cap."""
        if self.quick:
            return 1, False
        if runtime in self.capped and first_run_s > self.cap_s:
            return 1, True
        want = math.ceil(self.target_s / max(first_run_s, 1e-6))
        if runtime in self.capped:
            return max(1, min(want, self.reference_rounds)), False
        return max(self.min_rounds, min(want, self.max_rounds)), False


def _threads(mode: str) -> int | None:
    return None if mode == "default" else int(mode)


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# -- measuring ------------------------------------------------------------------------------------

def prepare(runtimes: list[str], model, feeds, expected: list | None, threads: int | None, rtol: float,
            atol: float, loose: tuple[int, ...] = ()) -> tuple[dict, dict, list | None]:
    """Create each runtime's session, run it once and check it against onnxruntime.

    Returns the runners worth timing, an entry per runtime (session and first-run seconds, or
    ``refused``/``error`` with the reason) and the expected outputs (onnxruntime's first run when
    none were given: onnxruntime is prepared first).
    """
    runners, entries = {}, {}
    for rt in sorted(runtimes, key=lambda r: r != ORT):
        entry: dict[str, Any] = {}
        entries[rt] = entry
        try:
            t0 = time.perf_counter()
            run = workloads.make_runner(rt, model, feeds, threads)
            t1 = time.perf_counter()
            out = run()
            t2 = time.perf_counter()
        except Exception as err:  # report the failure; time the others
            entry["error"] = " ".join(f"{type(err).__name__}: {err}".split())[:1000]
            entry["traceback"] = traceback.format_exc(limit=-3)
            continue
        entry.update(session_s=t1 - t0, first_run_s=t2 - t1)
        if expected is None and rt == ORT:
            expected = [np.asarray(o) for o in out]
        if expected is None:
            entry["unchecked"] = "onnxruntime gave no outputs to compare with"
        else:
            why = workloads.mismatch(expected, out, rtol, atol, loose)
            if why:
                entry["refused"] = why[:1000]
                continue
        runners[rt] = run
    return runners, {rt: entries[rt] for rt in runtimes}, expected


def time_alternating(runners: dict, rounds: dict[str, int], settings: Settings,
                     capped: set[str] | None = None, pause: bool = True) -> dict[str, dict]:
    """Seconds per run; in round i the runtimes start at a rotating offset and take turns.

    A capped runtime's run that takes longer than ``settings.cap_s`` ends its timing there (so
    do the names in ``capped``, given one round because their warm-up went over the cap).

    With ``pause`` (several threads) the loop sleeps ``pause_s`` after every run. Thread pools
    spin-wait after their work: OpenBLAS's threads for 2^28 cycles (about 0.1 s here),
    onnxruntime's for a while too; on a small machine the spinning threads of one runtime take
    the cores the next one needs (measured here: onnxruntime's bert_mini run went from 12 to 28
    ms right after a refrt run, and back to 12.5 after 0.15 s of sleep). So every run starts with
    idle pools, as a request arriving after a pause would; with one thread there are no pools.
    """
    names = list(runners)
    times: dict[str, list[float]] = {n: [] for n in names}
    capped = set(capped or ())
    over: set[str] = set()
    for i in range(max((rounds[n] for n in names), default=0)):
        for n in names[i % len(names):] + names[:i % len(names)]:
            if len(times[n]) >= rounds[n] or n in over:
                continue
            t0 = time.perf_counter()
            runners[n]()
            times[n].append(time.perf_counter() - t0)
            if n in settings.capped and times[n][-1] > settings.cap_s:
                over.add(n)
            if pause and settings.pause_s:
                time.sleep(settings.pause_s)
    out = {}
    for n, ts in times.items():
        out[n] = {"median_s": statistics.median(ts), "min_s": min(ts), "rounds": len(ts), "times_s": ts}
        if n in capped or n in over:
            out[n]["capped"] = f"a run took over the {settings.cap_s:g} s cap: {len(ts)} run(s) recorded"
    return out


def ratios(entries: dict[str, dict]) -> dict[str, float]:
    """refrt*/onnxruntime (>1: refrt slower) and onnx.reference/refrt* (>1: refrt faster)."""
    med = {rt: e["median_s"] for rt, e in entries.items() if "median_s" in e}
    out = {}
    for rt in med:
        if rt == "refrt" or rt.startswith("refrt:"):
            if ORT in med:
                out[f"{rt}/{ORT}"] = med[rt] / med[ORT]
            if REFERENCE in med:
                out[f"{REFERENCE}/{rt}"] = med[REFERENCE] / med[rt]
    return out


def bench_config(runtimes, model_path, feeds, expected, mode: str, case: models.Case,
                 settings: Settings) -> tuple[dict, list | None]:
    threads = _threads(mode)
    with workloads.thread_limits(threads):
        blas = workloads.threadpools()
        runners, entries, expected = prepare(runtimes, model_path, feeds, expected, threads, case.rtol, case.atol,
                                             case.loose_outputs)
        for rt, run in runners.items():  # a second warm-up: a first run may compile (Numba) or load caches
            if not (rt in settings.capped and entries[rt]["first_run_s"] > settings.cap_s):
                t = time.perf_counter()
                run()
                entries[rt]["second_run_s"] = time.perf_counter() - t
        plan = {rt: settings.rounds(rt, entries[rt].get("second_run_s", entries[rt]["first_run_s"])) for rt in runners}
        rounds = {rt: n for rt, (n, _) in plan.items()}
        capped = {rt for rt, (_, cap) in plan.items() if cap}
        for rt, timing in time_alternating(runners, rounds, settings, capped, pause=threads != 1).items():
            entries[rt].update(timing)
    return {"runtimes": entries, "ratios": ratios(entries), "blas_threadpools": blas,
            "load_average": os.getloadavg()[0]}, expected


def run_report(cases: list[models.Case], runtimes: list[str], settings: Settings) -> dict[str, Any]:
    report: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "command": " ".join([os.path.basename(sys.argv[0])] + sys.argv[1:]),
        "machine": workloads.machine_info(),
        "runtimes": runtimes,
        "settings": {**dataclasses.asdict(settings), "runtime_options": _runtime_options(settings)},
        "load_average_at_start": os.getloadavg(),
        "results": [],
    }
    cache = pathlib.Path(settings.cache)
    configs = [(c, b) for c in cases for b in (_batches(c, settings) if not c.skip else [None])]
    n_steps = sum(1 if c.skip else len(settings.thread_modes) for c, _ in configs)
    step, t_start = 0, time.perf_counter()
    for case, batch in configs:
        row: dict[str, Any] = {"model": case.name, "about": case.about, "batch": batch}
        report["results"].append(row)
        if case.skip:
            step += 1
            row["skipped"] = case.skip
            _log(f"[{step:>3}/{n_steps} {_clock(t_start)}] {case.name}: skipped ({case.skip})")
            continue
        try:
            path = case.path(cache)
            model = onnx.load(path)
            feeds = case.feeds(model, batch)
            del model
        except Exception as err:
            step += len(settings.thread_modes)
            row["error"] = " ".join(f"{type(err).__name__}: {err}".split())[:1000]
            _log(f"[{step:>3}/{n_steps} {_clock(t_start)}] {case.name} batch {batch}: FAILED ({row['error']})")
            continue
        expected = None if ORT in runtimes else _ort_outputs(path, feeds)
        row["threads"] = {}
        for mode in settings.thread_modes:
            step += 1
            _log(f"[{step:>3}/{n_steps} {_clock(t_start)}] {case.name} batch {batch}, "
                 f"{'1 thread' if mode == '1' else mode + ' threads'} ...")
            result, expected = bench_config(runtimes, path, feeds, expected, mode, case, settings)
            row["threads"][mode] = result
            _log("      " + "; ".join(f"{rt} {_progress_cell(e)}" for rt, e in result["runtimes"].items()))
        if settings.memory:
            row["memory"] = {}
            for rt in runtimes:
                if workloads.is_builtin(rt) and not any("error" in r["runtimes"][rt] for r in row["threads"].values()):
                    row["memory"][rt] = memory.measure(rt, path, feeds, timeout=settings.memory_timeout_s)
            _log("      peak MiB: " + "; ".join(f"{rt} {m.get('peak_mib', 'n/a')}" for rt, m in row["memory"].items()))
    if settings.chain_rounds:
        _log(f"[chain {_clock(t_start)}] per-node overhead, {workloads.CHAIN_LENGTH} nodes ...")
        report["per_node_overhead"] = per_node_overhead(runtimes, settings)
    report["load_average_at_end"] = os.getloadavg()
    report["elapsed_s"] = time.perf_counter() - t_start
    return report


def _batches(case: models.Case, settings: Settings) -> list[int]:
    if "user" not in case.tags and len(case.batches) == 1:
        return [case.batches[0]]  # fixed input shapes (the light models)
    if settings.batches:
        return list(settings.batches)
    return list(case.batches[:1] if settings.quick else case.batches)


def _ort_outputs(path, feeds) -> list | None:
    """onnxruntime's outputs when onnxruntime is not among the timed runtimes: still the judge."""
    try:
        return workloads.make_runner(ORT, path, feeds)()
    except Exception:
        return None


def per_node_overhead(runtimes: list[str], settings: Settings) -> dict[str, dict]:
    """A chain of tiny nodes: the runtime's own cost per node (one thread: no pool to wake)."""
    chain = workloads.chain_model()
    x = np.array([0.25], dtype=np.float32)
    expected = [workloads.chain_expected(x)]
    with workloads.thread_limits(1):
        runners, entries, _ = prepare(runtimes, chain, {"x": x}, expected, 1, 0.0, 0.0)
        rounds = {rt: 1 if settings.quick else settings.chain_rounds for rt in runners}
        timings = time_alternating(runners, rounds, dataclasses.replace(settings, capped=()), pause=False)
    for rt, timing in timings.items():
        entries[rt].update(timing, us_per_node=timing["median_s"] * 1e6 / workloads.CHAIN_LENGTH)
    return entries


def _runtime_options(settings: Settings) -> dict[str, str]:
    return {
        "refrt": "SessionOptions() defaults (optimization level ORT_ENABLE_ALL); 1 thread: "
                 "intra/inter_op_num_threads=1 and numpy BLAS limited to 1 by threadpoolctl",
        ORT: "CPUExecutionProvider, SessionOptions() defaults; 1 thread: intra_op_num_threads=1, "
             "inter_op_num_threads=1",
        REFERENCE: f"ReferenceEvaluator(model) defaults; 1 thread: numpy BLAS limited to 1 by threadpoolctl; "
                   f"time cap {settings.cap_s:g} s per run",
        "memory": "peak RSS above the baseline of a fresh process per runtime and model "
                  "(session creation + one run, default threads); see bench/memory.py",
    }


def _clock(t0: float) -> str:
    s = int(time.perf_counter() - t0)
    return f"{s // 60}:{s % 60:02d}"


def _progress_cell(e: dict) -> str:
    if "error" in e:
        return "FAILED"
    if "refused" in e:
        return "REFUSED (output differs from onnxruntime)"
    if "median_s" not in e:
        return "-"
    return f"{_ms(e['median_s'])} ms ({e['rounds']} runs{', capped' if 'capped' in e else ''})"


# -- formatting -------------------------------------------------------------------------------------

def _ms(seconds: float) -> str:
    ms = seconds * 1e3
    if ms >= 100:
        return f"{ms:,.0f}"
    if ms >= 10:
        return f"{ms:.1f}"
    if ms >= 1:
        return f"{ms:.2f}"
    return f"{ms:.3f}"


def _cell(e: dict | None) -> str:
    if e is None:
        return "-"
    if "error" in e:
        return "failed"
    if "refused" in e:
        return "refused"
    if "median_s" not in e:
        return "-"
    return _ms(e["median_s"]) + ("*" if "capped" in e else "") + ("?" if "unchecked" in e else "")


def _ratio(v: float | None) -> str:
    return "-" if v is None else (f"{v:,.0f}x" if v >= 100 else f"{v:.2f}x" if v < 10 else f"{v:.1f}x")


def _pair(values: list[str]) -> str:
    return " / ".join(values)


def table_rows(report: dict) -> tuple[list[str], list[list[str]]]:
    """Header and rows: medians in ms and the ratios, each cell "1 thread / default" when both ran."""
    modes = report["settings"]["thread_modes"]
    runtimes = report["runtimes"]
    refrts = [rt for rt in runtimes if rt == "refrt" or rt.startswith("refrt:")]
    ratio_keys = [f"{rt}/{ORT}" for rt in refrts if ORT in runtimes] + \
                 [f"{REFERENCE}/{rt}" for rt in refrts if REFERENCE in runtimes]
    header = ["model", "batch"] + [f"{rt} ms" for rt in runtimes] + ratio_keys
    rows = []
    for r in report["results"]:
        if "threads" not in r:
            rows.append([r["model"], str(r["batch"] or "-")] + ["skipped" if "skipped" in r else "failed"]
                        + [""] * (len(header) - 3))
            continue
        by_mode = [r["threads"][m] for m in modes]
        cells = [_pair([_cell(res["runtimes"].get(rt)) for res in by_mode]) for rt in runtimes]
        cells += [_pair([_ratio(res["ratios"].get(k)) + ("*" if _capped_in(k, res) else "") for res in by_mode])
                  for k in ratio_keys]
        rows.append([r["model"], str(r["batch"])] + cells)
    return header, rows


def _capped_in(ratio_key: str, result: dict) -> bool:
    """Whether a runtime in ``ratio_key`` ("a/b") had its timing cut short by the cap."""
    return result["ratios"].get(ratio_key) is not None and any(
        "capped" in result["runtimes"].get(rt, {}) for rt in ratio_key.split("/"))


def memory_rows(report: dict) -> tuple[list[str], list[list[str]]]:
    runtimes = report["runtimes"]
    header = ["model", "batch"] + [f"{rt} session ms" for rt in runtimes] + [f"{rt} peak MiB" for rt in runtimes]
    rows = []
    mode = "default" if "default" in report["settings"]["thread_modes"] else report["settings"]["thread_modes"][-1]
    for r in report["results"]:
        if "threads" not in r:
            continue
        ents = r["threads"][mode]["runtimes"]
        mem = r.get("memory", {})
        rows.append([r["model"], str(r["batch"])]
                    + [_ms(ents[rt]["session_s"]) if "session_s" in ents.get(rt, {}) else "-" for rt in runtimes]
                    + [(f"{mem[rt]['peak_mib']:,.0f}" if "peak_mib" in mem.get(rt, {}) else "-") for rt in runtimes])
    return header, rows


def _text_table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(x) for x in col) for col in zip(header, *rows)]
    line = lambda cells: "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))
    return [line(header), "-" * len(line(header))] + [line(r) for r in rows]


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + ["| " + " | ".join(r) + " |" for r in rows]


def notes(report: dict, detail: bool = True) -> list[str]:
    """Skipped and failed models, then per runtime the configurations it was refused, failed or capped in.

    With ``detail`` each refusal or failure carries its reason (shortened; the JSON has it whole).
    """
    out = [f"{r['model']}: {'skipped' if 'skipped' in r else 'failed'}: {r.get('skipped') or r.get('error')}"
           for r in report["results"] if "skipped" in r or "error" in r]
    modes = report["settings"]["thread_modes"]
    kinds = {"error": "failed (not timed)",
             "refused": "refused, its output differs from onnxruntime's (not timed)",
             "capped": f"over the {report['settings']['cap_s']:g} s cap, one run recorded (*)",
             "unchecked": "not checked, onnxruntime failed (?)"}
    groups: dict[tuple[str, str], dict[str, list]] = {}
    for r in report["results"]:
        for mode, res in r.get("threads", {}).items():
            for rt, e in res["runtimes"].items():
                kind = next((k for k in kinds if k in e), None)
                if kind:
                    seen = groups.setdefault((kind, rt), {}).setdefault(f"{r['model']} b{r['batch']}", [set(), e[kind]])
                    seen[0].add(mode)
    for (kind, rt), labels in groups.items():
        items = []
        for label, (in_modes, reason) in labels.items():
            if len(in_modes) < len(modes):
                label += " (1 thread)" if in_modes == {"1"} else " (default threads)"
            if detail and kind in ("error", "refused"):
                label += ": " + " ".join(str(reason).split())[:150]
            items.append(label)
        out.append(f"{rt} {kinds[kind]}: " + ("; " if detail else ", ").join(items))
    return out


def _conditions(report: dict) -> list[str]:
    m, s = report["machine"], report["settings"]
    blas = m["blas"]
    lib = blas["numpy_blas"]
    lib = f"{lib.get('name', '?')} {lib.get('version', '')}".strip() if isinstance(lib, dict) else str(lib)
    pools = blas["threadpools"]
    if isinstance(pools, list):
        pools = ", ".join(" ".join(filter(None, [p["internal_api"], p.get("architecture"), str(p["num_threads"])]))
                          + " threads" for p in pools)
    coretype = blas["OPENBLAS_CORETYPE"]
    return [
        f"{m['processor']}, {m['cpus_usable']} CPUs usable; Python {m['python']}, numpy {m['numpy']} "
        f"(BLAS: {lib}; default pools: {pools}), onnx {m['onnx']}, onnxruntime {m['onnxruntime']}, "
        f"refrt {m['refrt']} (providers: {', '.join(m['refrt_providers'])})",
        "OPENBLAS_CORETYPE=" + coretype + " is set: numpy's BLAS runs slower kernels (see README)" if coretype
        else "OPENBLAS_CORETYPE not set",
        f"threads: {' / '.join('1' if t == '1' else 'default' for t in s['thread_modes'])} "
        "(1: onnxruntime intra_op=inter_op=1, numpy BLAS limited to 1 by threadpoolctl; default: "
        "every runtime's own default)",
        f"rounds: timed runs per runtime aim at {s['target_s']:g} s ({s['min_rounds']}-{s['max_rounds']} runs; "
        f"onnx.reference 1-{s['reference_rounds']}, capped at {s['cap_s']:g} s a run)" if not s["quick"]
        else "quick mode: one timed run each (times are not meaningful)",
        f"1-minute load average at start / highest between models / end: {report['load_average_at_start'][0]:.2f}"
        f" / {_max_load(report):.2f} / {report['load_average_at_end'][0]:.2f} (this run adds 1-2); "
        f"took {report['elapsed_s']:.0f} s",
    ]


def _max_load(report: dict) -> float:
    loads = [res["load_average"] for r in report["results"] for res in r.get("threads", {}).values()]
    return max(loads + [report["load_average_at_start"][0], report["load_average_at_end"][0]])


def format_report(report: dict) -> str:
    modes = report["settings"]["thread_modes"]
    both = " (each cell: 1 thread / default threads)" if len(modes) > 1 else ""
    lines = [f"median ms per run{both}; ratios of medians from the same process, runs alternating", ""]
    lines += _text_table(*table_rows(report))
    lines += ["", "* over the time cap: one run recorded; refused: output differs from onnxruntime, not timed", ""]
    lines += ["session creation (default threads, in this process) and peak memory (fresh process per runtime):", ""]
    lines += _text_table(*memory_rows(report))
    if "per_node_overhead" in report:
        lines += ["", f"per-node overhead (chain of {workloads.CHAIN_LENGTH} Add/Neg nodes on a 1-element tensor, "
                      "1 thread):"]
        for rt, e in report["per_node_overhead"].items():
            lines.append(f"  {rt:<16} " + (f"{e['us_per_node']:8.2f} us/node" if "us_per_node" in e
                                          else _progress_cell(e)))
    lines += [""] + _conditions(report)
    n = notes(report)
    if n:
        lines += ["", "notes:"] + [f"  {x}" for x in n]
    return "\n".join(lines)


def format_markdown(report: dict, chart: str | None = None) -> str:
    modes = report["settings"]["thread_modes"]
    both = " Each cell: 1 thread / default threads." if len(modes) > 1 else ""
    lines = [f"Median ms per run; ratios of medians measured in the same process, runs alternating.{both} "
             "`*`: over onnx.reference's time cap, one run recorded; `refused`: the output differs "
             "from onnxruntime's, so it was not timed.", ""]
    lines += _md_table(*table_rows(report))
    lines += ["", "Session creation (ms) and peak memory (MiB above a fresh process's baseline, session + one run):",
              ""]
    lines += _md_table(*memory_rows(report))
    if "per_node_overhead" in report:
        lines += ["", f"Per-node overhead (a chain of {workloads.CHAIN_LENGTH} one-element Add/Neg nodes, 1 thread): "
                  + ", ".join(f"{rt} {e['us_per_node']:.2f} us" for rt, e in report["per_node_overhead"].items()
                              if "us_per_node" in e) + "."]
    lines += [""] + [f"- {c}" for c in _conditions(report)]
    n = notes(report, detail=False)
    if n:
        lines += [f"- {x}" for x in n]
    if chart:
        lines += ["", f"![ratios]({chart})"]
    return "\n".join(lines)


def update_readme(readme: pathlib.Path, markdown: str) -> None:
    text = readme.read_text()
    if README_BEGIN not in text or README_END not in text:
        raise SystemExit(f"{readme} has no {README_BEGIN} ... {README_END} block to replace")
    head, rest = text.split(README_BEGIN, 1)
    _, tail = rest.split(README_END, 1)
    readme.write_text(f"{head}{README_BEGIN}\n{markdown}\n{README_END}{tail}")


# -- command line -------------------------------------------------------------------------------------

def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("models", nargs="*", metavar="MODEL",
                        help="names, tags (small, light, sklearn) or .onnx paths; default: the whole set")
    parser.add_argument("--list", action="store_true", help="list the model set and exit")
    parser.add_argument("--runtimes", nargs="+", default=None,
                        help="default: refrt (and refrt:<Provider> for each available provider), onnxruntime, "
                             "onnx.reference")
    parser.add_argument("--threads", choices=["1", "default", "both"], default="both")
    parser.add_argument("--batch", type=int, nargs="+", default=None,
                        help="batches instead of each model's own (1 and a throughput batch)")
    parser.add_argument("--dim", action="append", default=[], metavar="SYMBOL=N",
                        help="a symbolic dimension of a user's model (the first one is the batch)")
    parser.add_argument("--quick", action="store_true", help="one timed round each, batch 1 unless --batch (CI)")
    parser.add_argument("--target-s", type=float, default=Settings.target_s,
                        help="timed seconds per runtime and configuration (sets the round count)")
    parser.add_argument("--min-rounds", type=int, default=Settings.min_rounds)
    parser.add_argument("--max-rounds", type=int, default=Settings.max_rounds)
    parser.add_argument("--reference-rounds", type=int, default=Settings.reference_rounds)
    parser.add_argument("--cap-s", type=float, default=Settings.cap_s, help="onnx.reference's time cap per run")
    parser.add_argument("--pause", type=float, default=Settings.pause_s,
                        help="seconds to sleep after each run with several threads, so spinning pools go idle")
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory subprocesses")
    parser.add_argument("--chain-rounds", type=int, default=Settings.chain_rounds,
                        help="timed runs of the 1,000-node chain (0: skip it)")
    parser.add_argument("--cache", default=Settings.cache, help="folder for the built models")
    parser.add_argument("--out", type=pathlib.Path, default=None, help="JSON path (default: bench/results/)")
    parser.add_argument("--chart", type=pathlib.Path, default=None, help="PNG path (default: beside the JSON)")
    parser.add_argument("--markdown", type=pathlib.Path, default=None, help="also write the table as Markdown")
    parser.add_argument("--from-json", type=pathlib.Path, default=None,
                        help="measure nothing: print and write the table and chart of a saved report")
    parser.add_argument("--readme", type=pathlib.Path, default=None,
                        help=f"replace the {README_BEGIN} block of this file with the Markdown table and chart")


def run_from_args(args: argparse.Namespace) -> int:
    cases = models.select(args.models)
    if args.list:
        for c in cases:
            print(f"{c.name:<20} batches {'/'.join(map(str, c.batches)):<9} {c.about}"
                  + (f"\n{'':<20} skipped: {c.skip}" if c.skip else ""))
        return 0
    dims = dict(_symbol(d) for d in args.dim)
    if dims or args.batch:
        cases = [models.user_case(c.path(pathlib.Path(args.cache)), tuple(args.batch or (1,)), dims, c.rtol, c.atol)
                 if "user" in c.tags else c for c in cases]
    settings = Settings(
        thread_modes=("1", "default") if args.threads == "both" else (args.threads,),
        target_s=args.target_s, min_rounds=args.min_rounds, max_rounds=args.max_rounds,
        reference_rounds=args.reference_rounds, cap_s=args.cap_s, pause_s=args.pause,
        batches=tuple(args.batch) if args.batch else None, quick=args.quick, memory=not args.no_memory,
        chain_rounds=args.chain_rounds, cache=str(args.cache))
    if args.from_json:
        report = json.loads(args.from_json.read_text())
        out = args.out or args.from_json
    else:
        report = run_report(cases, args.runtimes or workloads.default_runtimes(), settings)
        out = args.out or RESULTS_DIR / f"report-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    chart = args.chart or out.with_suffix(".png")
    refrt = next((rt for rt in report["runtimes"] if rt.startswith("refrt")), "refrt")
    from bench.chart import write_chart

    write_chart(report, chart, refrt)
    if not args.from_json or args.out:
        report["chart"] = str(chart)
        out.write_text(json.dumps(report, indent=1, default=str))
    print(format_report(report))
    if args.markdown or args.readme:
        rel = os.path.relpath(chart, (args.readme or args.markdown).resolve().parent)
        md = format_markdown(report, rel)
        if args.markdown:
            args.markdown.write_text(md + "\n")
        if args.readme:
            update_readme(args.readme, md)
    print(f"\nwrote {chart}" if args.from_json and not args.out else f"\nwrote {out} and {chart}")
    return 1 if _refrt_failed(report) else 0


def _refrt_failed(report: dict) -> bool:
    """Whether any refrt runtime failed or was refused (onnx.reference's own failures do not count)."""
    for r in report["results"]:
        for res in r.get("threads", {}).values():
            for rt, e in res["runtimes"].items():
                if rt.startswith("refrt") and ("error" in e or "refused" in e):
                    return True
    return any(rt.startswith("refrt") and "error" in e for rt, e in report.get("per_node_overhead", {}).items())


def _symbol(text: str) -> tuple[str, int]:
    name, sep, value = text.partition("=")
    if not sep:
        raise SystemExit(f"expected SYMBOL=N, got {text!r}")
    return name, int(value)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.report", description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.splitlines()[1:7]))
    add_arguments(parser)
    return run_from_args(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
