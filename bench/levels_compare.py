"""ORT_DISABLE_ALL against ORT_ENABLE_ALL on the benchmark set, with what the optimizer fused.

    python -m bench.levels_compare [NAME ...]     # default: every model that runs here
    python -m bench.levels_compare --sessions light_resnet50 bert_base4   # session creation vs onnxruntime

Batch 1, one BLAS thread (threadpoolctl), runs alternating between the two levels, outputs of both
levels compared before timing; prints a Markdown table of medians, the ratio, the fused op counts and
the peak memory one run allocates at each level (tracemalloc's peak above what the feeds and the
session already hold: the intermediates, which fusion, in-place execution and freeing after the last
use keep down; NumPy reports its array buffers to tracemalloc).
"""

from __future__ import annotations

import argparse
import collections
import statistics
import time
import tracemalloc

import numpy as np
from threadpoolctl import threadpool_limits

import refrt
from bench import models as bench_models

LEVEL = refrt.GraphOptimizationLevel
FUSED = ("LayerNormalization", "RMSNormalization", "Gelu", "Gemm", "Attention")


def compare(names: list[str] | None = None, rounds: int = 15) -> list[tuple]:
    rows = []
    with threadpool_limits(1):
        for case in bench_models.select(names):
            if case.skip:
                continue
            model = case.load()
            feeds = case.feeds(model, 1)
            data = model.SerializeToString()
            sessions = {}
            for level in (LEVEL.ORT_DISABLE_ALL, LEVEL.ORT_ENABLE_ALL):
                so = refrt.SessionOptions()
                so.graph_optimization_level = level
                sessions[level] = refrt.InferenceSession(data, so)
            written, optimized = (s.run(None, feeds) for s in sessions.values())
            for a, b in zip(written, optimized):
                np.testing.assert_allclose(b, a, rtol=case.rtol, atol=case.atol)
            times = {level: [] for level in sessions}
            for _ in range(rounds):
                for level, sess in sessions.items():
                    start = time.perf_counter()
                    sess.run(None, feeds)
                    times[level].append(time.perf_counter() - start)
            peaks = {level: run_peak(sess, feeds) for level, sess in sessions.items()}
            graph = sessions[LEVEL.ORT_ENABLE_ALL]._compiled.graph
            fused = collections.Counter(n.op_type for n in graph.nodes if n.domain == "refrt" or n.op_type in FUSED)
            rows.append((case.name, statistics.median(times[LEVEL.ORT_DISABLE_ALL]) * 1e3,
                         statistics.median(times[LEVEL.ORT_ENABLE_ALL]) * 1e3,
                         len(sessions[LEVEL.ORT_DISABLE_ALL]._compiled.nodes), len(graph.nodes), dict(fused),
                         peaks[LEVEL.ORT_DISABLE_ALL], peaks[LEVEL.ORT_ENABLE_ALL]))
    return rows


def run_peak(sess, feeds) -> float:
    """MiB allocated at the peak of one run above what was allocated before it (tracemalloc)."""
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        sess.run(None, feeds)
        return (tracemalloc.get_traced_memory()[1] - base) / 2**20
    finally:
        tracemalloc.stop()


def session_times(names: list[str] | None = None, rounds: int = 7) -> list[tuple[str, float, float]]:
    """(model, refrt ms, onnxruntime ms): median session creation from the model's bytes, refrt at
    ORT_ENABLE_ALL and onnxruntime at its default (also ORT_ENABLE_ALL), creations alternating."""
    import onnxruntime as ort

    rows = []
    for case in bench_models.select(names):
        if case.skip:
            continue
        data = case.load().SerializeToString()
        ours, theirs = [], []
        for _ in range(rounds):
            start = time.perf_counter()
            refrt.InferenceSession(data)
            ours.append(time.perf_counter() - start)
            start = time.perf_counter()
            ort.InferenceSession(data, providers=["CPUExecutionProvider"])
            theirs.append(time.perf_counter() - start)
        rows.append((case.name, statistics.median(ours) * 1e3, statistics.median(theirs) * 1e3))
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="models or tags (small, light); default: all")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--sessions", action="store_true", help="session creation against onnxruntime instead")
    args = parser.parse_args(argv)
    if args.sessions:
        print("| model | refrt session ms (ALL) | onnxruntime session ms | refrt/onnxruntime |")
        print("|---|---|---|---|")
        for name, ours, theirs in session_times(args.names or None, max(3, args.rounds // 2)):
            print(f"| {name} | {ours:.3g} | {theirs:.3g} | {ours / theirs:.2f} |", flush=True)
        return 0
    print("| model | DISABLE_ALL ms | ALL ms | ALL/DISABLE | nodes | run peak MiB DISABLE_ALL -> ALL | fused at ALL |")
    print("|---|---|---|---|---|---|---|")
    for name, written, optimized, n_before, n_after, fused, peak0, peak1 in compare(args.names or None, args.rounds):
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(fused.items()))
        print(f"| {name} | {written:.3g} | {optimized:.3g} | {optimized / written:.2f} | {n_before} -> {n_after} "
              f"| {peak0:.3g} -> {peak1:.3g} | {kinds} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
