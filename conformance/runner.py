"""The conformance runner: every case of the ONNX backend suite through refrt, and through onnxruntime.

    python -m conformance.runner [--kind all] [--filter REGEX] [--jobs N] [--timeout S] [--no-ort] [--strict]
    python -m conformance.run_backend ...     (the same, --kind node by default)
    refrt conformance ...                     (the same, every group by default)

Each case runs in a worker process with a time limit (a hang or a crash costs one case). refrt's
outputs are compared with the stored expected outputs by onnx's own rule (rtol 1e-3, atol 1e-7 unless
the case says otherwise) and, where onnxruntime can run the case, with onnxruntime's outputs by the
same rule. Cases listed in conformance/expected_failures.txt that fail are expected failures; listed
cases that pass are unexpected passes. Exit status: 1 when a case fails that is not listed (or, with
--strict, when a listed case passes), else 0. Every case's outcome goes to
conformance/results/<group>.json.
"""

from __future__ import annotations

import argparse
import contextlib
import fnmatch
import json
import os
import re
import sys
import tempfile
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from conformance import cases as case_source
from conformance.compare import assert_similar, for_onnxruntime
from conformance.options import EXPECTED_FAILURES, add_arguments, groups_of
from conformance.pool import Failure, default_jobs, run_tasks

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "results")


# ----------------------------------------------------------------------------------------------
# The expected-failure list


@dataclass
class ExpectedFailures:
    """``<group>/<case or fnmatch pattern>  <reason>`` per line; ``#`` starts a comment."""

    entries: dict[str, str] = field(default_factory=dict)
    path: str | None = None

    @classmethod
    def read(cls, path: str = EXPECTED_FAILURES) -> "ExpectedFailures":
        entries: dict[str, str] = {}
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                for number, raw in enumerate(f, 1):
                    line = raw.strip()
                    if not line or line.startswith("#"):
                        continue
                    parts = line.split(None, 1)
                    if len(parts) < 2 or "/" not in parts[0]:
                        raise ValueError(f"{path}:{number}: expected '<group>/<case>  <reason>', got {line!r}")
                    if parts[0] in entries:
                        raise ValueError(f"{path}:{number}: {parts[0]} is listed twice")
                    entries[parts[0]] = parts[1]
        return cls(entries, path)

    def _is_pattern(self, key: str) -> bool:
        return any(c in key for c in "*?[")

    def reason(self, key: str) -> str | None:
        if key in self.entries:
            return self.entries[key]
        for pattern, why in self.entries.items():
            if self._is_pattern(pattern) and fnmatch.fnmatchcase(key, pattern):
                return why
        return None

    def matching(self, key: str) -> list[str]:
        return [p for p in self.entries if p == key or (self._is_pattern(p) and fnmatch.fnmatchcase(key, p))]

    def settle(self, failing: dict[str, bool]) -> dict[str, str | None]:
        """The listed reason for each key, except where a pattern lists a passing key.

        A pattern (``sweep/Gather-*/string,*``) names a family of cases, not each one: a passing
        member is simply passing as long as some member it names still fails; when none does, every
        member is an unexpected pass and the pattern is stale. An exact name that passes is always an
        unexpected pass.
        """
        still_failing = {p for p in self.entries if self._is_pattern(p) for k, bad in failing.items()
                         if bad and fnmatch.fnmatchcase(k, p)}
        settled = {}
        for key, bad in failing.items():
            why = self.reason(key)
            if why is not None and not bad and key not in self.entries:
                if all(p in still_failing for p in self.matching(key)):
                    why = None
            settled[key] = why
        return settled

    def unknown(self, group: str, known_keys: set[str]) -> list[str]:
        """Entries of ``group`` that name no case at all (typos, renamed cases)."""
        prefix = group + "/"
        return [p for p in self.entries if p.startswith(prefix) and not any(p == k or fnmatch.fnmatchcase(k, p) for k in known_keys)]


# ----------------------------------------------------------------------------------------------
# One case (runs in a worker process)


def check_case(task: tuple) -> dict:
    """Run one case through refrt and onnxruntime; a JSON-able record of what happened."""
    ref, providers, with_ort = task
    start = time.perf_counter()
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        model, data_sets = case_source.load(ref)
        record = _run_refrt(ref, model, data_sets, providers)
        got = record.pop("_outputs")
        if with_ort:
            record.update(_run_ort(ref, model, data_sets, got))
        else:
            record["ort"] = "not-checked"
    record["seconds"] = round(time.perf_counter() - start, 4)
    return record


def _run_refrt(ref, model, data_sets, providers) -> dict:
    import refrt

    outputs = []
    try:
        sess = refrt.InferenceSession(ref.model_path, providers=providers)
        for feeds, _ in data_sets:
            outputs.append(sess.run(None, feeds))
    except Exception as e:  # noqa: BLE001 - any error of refrt is the case's result
        return {"status": "error", "detail": _one_line(e), "_outputs": None}
    try:
        for (_, expected), got in zip(data_sets, outputs):
            assert_similar(expected, got, ref.rtol, ref.atol)
    except AssertionError as e:
        return {"status": "fail", "detail": "mismatch: " + str(e), "_outputs": outputs}
    return {"status": "pass", "detail": "", "_outputs": outputs}


def _run_ort(ref, model, data_sets, refrt_outputs) -> dict:
    try:
        import onnxruntime as ort
    except ImportError:
        return {"ort": "cannot-run", "ort_detail": "onnxruntime is not installed"}
    theirs = []
    try:
        so = ort.SessionOptions()
        so.log_severity_level = 4
        so.intra_op_num_threads = 1
        # One-node kernels against one-node kernels: no fusions or folding on either side.
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        with quiet_stderr():
            plain = None
            for feeds, _ in data_sets:
                adapted, feeds, restore = for_onnxruntime(model, feeds)
                if adapted is None:
                    plain = plain or ort.InferenceSession(ref.model_path, so, providers=["CPUExecutionProvider"])
                    sess = plain
                else:
                    sess = ort.InferenceSession(adapted.SerializeToString(), so, providers=["CPUExecutionProvider"])
                theirs.append(restore(sess.run(None, feeds)))
    except Exception as e:  # noqa: BLE001
        return {"ort": "cannot-run", "ort_detail": _one_line(e)}
    record: dict = {}
    try:
        for (_, expected), out in zip(data_sets, theirs):
            assert_similar(expected, out, ref.rtol, ref.atol)
        record["ort_expected"] = "pass"
    except AssertionError as e:
        record["ort_expected"] = "fail"
        record["ort_expected_detail"] = str(e)
    if refrt_outputs is None:
        record["ort"] = "refrt-failed"
        return record
    try:
        for out, got in zip(theirs, refrt_outputs):
            assert_similar(out, got, ref.rtol, ref.atol)
        record["ort"] = "agree"
    except AssertionError as e:
        record["ort"] = "disagree"
        record["ort_detail"] = str(e)
    return record


def _one_line(e: BaseException) -> str:
    text = str(e).strip()
    return f"{type(e).__name__}: {text.splitlines()[0][:300]}" if text else type(e).__name__


@contextlib.contextmanager
def quiet_stderr():
    """onnxruntime logs kernel failures on fd 2 from C++; keep them off the progress bar."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


# ----------------------------------------------------------------------------------------------
# A group


class Progress:
    """A progress bar on stderr: redrawn in place on a terminal, a line every 10% otherwise."""

    def __init__(self, label: str, total: int, stream=None):
        self.label, self.total = label, total
        self.stream = stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.done = self.passed = 0
        self.start = time.perf_counter()
        self.next_line = max(1, min(100, total // 10))

    def update(self, passed: bool) -> None:
        self.done += 1
        self.passed += passed
        elapsed = time.perf_counter() - self.start
        if self.tty:
            width = 30
            filled = int(width * self.done / max(1, self.total))
            eta = elapsed / self.done * (self.total - self.done)
            self.stream.write(
                f"\r{self.label:<18} [{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} "
                f"{self.passed} passed  {elapsed:.0f}s (eta {eta:.0f}s) "
            )
            if self.done == self.total:
                self.stream.write("\n")
            self.stream.flush()
        elif self.done % self.next_line == 0 or self.done == self.total:
            print(f"[{self.done}/{self.total}] {self.passed} passed, {elapsed:.0f}s", file=self.stream, flush=True)


@dataclass
class GroupResult:
    group: str
    records: dict[str, dict]  # case name -> record (with "expected": reason or None)
    seconds: float

    def count(self, what: str) -> int:
        return sum(1 for r in self.records.values() if outcome(r) == what)

    @property
    def unexpected_failures(self) -> dict[str, dict]:
        return {n: r for n, r in self.records.items() if outcome(r) in ("failed", "errored")}

    @property
    def unexpected_passes(self) -> dict[str, dict]:
        return {n: r for n, r in self.records.items() if outcome(r) == "xpass"}


def outcome(record: dict) -> str:
    """passed | failed | errored | xfail | xpass"""
    listed = record.get("expected") is not None
    if record["status"] == "pass":
        return "xpass" if listed else "passed"
    if listed:
        return "xfail"
    return "failed" if record["status"] == "fail" else "errored"


def run_group(
    group: str,
    *,
    pattern: str | None = None,
    providers: tuple = ("CPUExecutionProvider",),
    jobs: int | None = None,
    timeout: float = 60.0,
    with_ort: bool = True,
    expected: ExpectedFailures | None = None,
    progress: bool = True,
    log=None,
) -> GroupResult:
    """Run the cases of ``group`` whose names match ``pattern`` (re.search)."""
    refs = case_source.list_cases(group, log=log)
    if pattern:
        refs = [r for r in refs if re.search(pattern, r.name)]
    expected = expected if expected is not None else ExpectedFailures.read()
    jobs = default_jobs() if jobs is None else jobs
    # Workers inherit refrt (and its kernels) already imported: import once, here.
    import refrt  # noqa: F401
    from refrt.providers import discover_all

    discover_all()
    bar = Progress(group, len(refs)) if progress else None
    records: dict[str, dict] = {}
    start = time.perf_counter()
    tasks = [(ref, tuple(providers), with_ort) for ref in refs]
    # Workers of a run with compiled providers (Numba: LLVM, its caches and threads) start as fresh
    # interpreters: a fork of a process that has used them hung in CI. The CPU provider keeps fork's
    # millisecond starts.
    names = {p if isinstance(p, str) else p[0] for p in providers}  # a name, or (name, options)
    method = None if names <= {"CPUExecutionProvider"} else "spawn"
    for (ref, _, _), result in run_tasks(check_case, tasks, jobs=jobs, timeout=timeout, start_method=method):
        if isinstance(result, Failure):
            result = {"status": "error", "detail": result.reason, "ort": "not-checked"}
        records[ref.name] = result
        if bar:
            bar.update(result["status"] == "pass")
    listed = expected.settle({f"{group}/{name}": r["status"] != "pass" for name, r in records.items()})
    for name, r in records.items():
        r["expected"] = listed[f"{group}/{name}"]
    return GroupResult(group, dict(sorted(records.items())), time.perf_counter() - start)


def write_results(result: GroupResult, providers, pattern: str | None) -> str:
    import onnx

    try:
        import onnxruntime

        ort_version = onnxruntime.__version__
    except ImportError:
        ort_version = None
    records = result.records
    doc = {
        # The first three keys are what earlier versions of this file held; tools read them.
        "passed": sorted(n for n, r in records.items() if r["status"] == "pass"),
        "failed": {n: r["detail"] for n, r in records.items() if r["status"] != "pass"},
        "providers": list(providers),
        "filter": pattern,
        "onnx": onnx.__version__,
        "onnxruntime": ort_version,
        "seconds": round(result.seconds, 2),
        "cases": records,
    }
    os.makedirs(RESULTS, exist_ok=True)
    path = os.path.join(RESULTS, f"{result.group}.json")
    fd, tmp = tempfile.mkstemp(dir=RESULTS, prefix=f".{result.group}-", suffix=".json")
    with os.fdopen(fd, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
    os.replace(tmp, path)  # readers never see half a file, even with several runs at once
    return path


# ----------------------------------------------------------------------------------------------
# Reporting


def print_group_summary(result: GroupResult, *, verbose: bool, out=None) -> None:
    out = out or sys.stdout
    records = result.records
    passed = sum(1 for r in records.values() if r["status"] == "pass")
    failed = {n: r["detail"] for n, r in records.items() if r["status"] != "pass"}
    # The two lines earlier versions printed (other tools and people read them).
    print(f"{result.group}: {passed} passed, {len(failed)} failed of {len(records)}", file=out)
    for reason, count in Counter(d.split(":")[0] for d in failed.values()).most_common(10):
        print(f"  {count:5d}  {reason}", file=out)
    unexpected = result.unexpected_failures
    if unexpected:
        shown = list(unexpected.items()) if verbose or len(unexpected) <= 40 else list(unexpected.items())[:20]
        print(f"  failing, not in expected_failures.txt ({len(unexpected)}):", file=out)
        for name, r in shown:
            print(f"    {name}: {r['detail']}", file=out)
        if len(shown) < len(unexpected):
            print(f"    ... {len(unexpected) - len(shown)} more (--verbose, or conformance/results/{result.group}.json)", file=out)
    xpass = result.unexpected_passes
    if xpass:
        print(f"  listed in expected_failures.txt but passing ({len(xpass)}): remove these lines:", file=out)
        for name in xpass:
            print(f"    {result.group}/{name}", file=out)
    disagree = {n: r for n, r in records.items() if r.get("ort") == "disagree"}
    if disagree and verbose:
        print(f"  disagreeing with onnxruntime ({len(disagree)}):", file=out)
        for name, r in disagree.items():
            print(f"    {name}: {r.get('ort_detail', '')} (onnxruntime vs expected: {r.get('ort_expected')})", file=out)


COLUMNS = ("passed", "failed", "errored", "xfail", "xpass")
# refrt's outputs against onnxruntime's, same rule. "refrt-failed": onnxruntime ran, refrt had no output.
ORT_COLUMNS = ("agree", "disagree", "cannot-run", "refrt-failed")


def print_table(results: list[GroupResult], out=None) -> None:
    out = out or sys.stdout
    def row(name, counts, ort, seconds):
        return (
            f"{name:<18}{counts['cases']:>6}" + "".join(f"{counts[c]:>8}" for c in COLUMNS)
            + "   |" + "".join(f"{ort[c]:>13}" for c in ORT_COLUMNS) + f"{seconds:>9.1f}"
        )

    head = (
        f"{'group':<18}{'cases':>6}" + "".join(f"{c:>8}" for c in COLUMNS)
        + "   |" + "".join(f"{c:>13}" for c in ORT_COLUMNS) + f"{'seconds':>9}"
    )
    print(f"{'':<{18 + 6 + 8 * len(COLUMNS)}}   | vs onnxruntime:", file=out)
    print(head, file=out)
    print("-" * len(head), file=out)
    total_counts, total_ort, total_s = Counter(), Counter(), 0.0
    for res in results:
        counts = Counter(outcome(r) for r in res.records.values())
        counts["cases"] = len(res.records)
        ort = Counter(r.get("ort", "not-checked") for r in res.records.values())
        total_counts.update(counts)
        total_ort.update(ort)
        total_s += res.seconds
        print(row(res.group, counts, ort, res.seconds), file=out)
    if len(results) > 1:
        print(row("total", total_counts, total_ort, total_s), file=out)
    print(
        "xfail: failing and listed in conformance/expected_failures.txt; xpass: listed but passing.\n"
        "vs onnxruntime: refrt's outputs against onnxruntime's by the same rule; cannot-run: onnxruntime "
        "refused the case; refrt-failed: onnxruntime ran it, refrt gave no outputs.",
        file=out,
    )


# ----------------------------------------------------------------------------------------------
# Command line


def main(argv=None, *, default_kind: str = "all", prog: str | None = None) -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(parser, default_kind)
    return run_from_args(parser.parse_args(argv))


def run_from_args(args: argparse.Namespace) -> int:
    """Run what the options of :func:`conformance.options.add_arguments` ask; the exit status."""
    expected = ExpectedFailures.read(args.expected)
    providers = tuple(args.providers.split(","))
    log = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731
    results = []
    for group in groups_of(args.kind):
        res = run_group(
            group, pattern=args.filter, providers=providers, jobs=args.jobs, timeout=args.timeout,
            with_ort=not args.no_ort, expected=expected, progress=not args.no_progress, log=log,
        )
        write_results(res, providers, args.filter)
        print_group_summary(res, verbose=args.verbose or bool(args.filter))
        if not args.filter:
            known = {f"{group}/{r.name}" for r in case_source.list_cases(group)}
            for entry in expected.unknown(group, known):
                print(f"  {os.path.basename(args.expected)}: '{entry}' names no case of {group}", flush=True)
        results.append(res)
    print()
    print_table(results)
    bad = sum(len(r.unexpected_failures) for r in results)
    xpass = sum(len(r.unexpected_passes) for r in results)
    return 1 if bad or (args.strict and xpass) else 0

if __name__ == "__main__":
    sys.exit(main())
