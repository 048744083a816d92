"""The runner's command-line options, in a module light enough for ``refrt``'s CLI to import.

``refrt conformance`` and ``python -m conformance.run_backend`` take the same options; they differ only
in the default group (every group, and node).
"""

from __future__ import annotations

import argparse
import os

GROUPS = ("node", "simple", "pytorch-converted", "pytorch-operator", "light")
EXPECTED_FAILURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "expected_failures.txt")


def add_arguments(parser: argparse.ArgumentParser, default_kind: str) -> None:
    from conformance.pool import default_jobs

    parser.add_argument(
        "--kind", "--group", dest="kind", default=default_kind,
        help=f"comma-separated groups, or 'all' ({', '.join(GROUPS)}); default {default_kind}",
    )
    parser.add_argument("--filter", default=None, help="regex on the case name (re.search)")
    parser.add_argument("--providers", default="CPUExecutionProvider", help="comma-separated")
    parser.add_argument(
        "--jobs", type=int, default=None, help=f"worker processes (default {default_jobs()} here; 0: run in this process)"
    )
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per case (default 60)")
    parser.add_argument("--no-ort", action="store_true", help="do not compare with onnxruntime")
    parser.add_argument("--strict", action="store_true", help="exit 1 also when a listed expected failure passes")
    parser.add_argument("--expected", default=EXPECTED_FAILURES, help="the expected-failure list (default: %(default)s)")
    parser.add_argument("--verbose", "-v", action="store_true", help="list every failure and every disagreement with onnxruntime")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")


def groups_of(kind: str) -> list[str]:
    if kind == "all":
        return list(GROUPS)
    names = [k.strip() for k in kind.split(",") if k.strip()]
    for name in names:
        if name not in GROUPS:
            raise SystemExit(f"unknown group '{name}'; groups: {', '.join(GROUPS)}, all")
    return names
