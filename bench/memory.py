"""Peak memory of one runtime on one model, measured in a fresh process per runtime and model.

What is measured: the resident set size (RSS), because tracemalloc sees only what Python's and
numpy's allocators hand out, not OpenBLAS's buffers nor onnxruntime's arena. In a fresh process
the runtime's modules are imported (refrt's kernel packages discovered too) and the feeds loaded;
then the kernel's RSS high-water mark is reset (``/proc/self/clear_refs``, Linux) and the
baseline RSS taken. Reported, in MiB above that baseline:

- ``session_peak``: the high-water mark while the session was created from the model file;
- ``peak``: the high-water mark through session creation and one run.

Where the high-water mark cannot be reset, ``resource.getrusage`` max-RSS deltas are used, which
read 0 until the import peak is passed (the JSON says which method was used).

    python -m bench.memory RUNTIME MODEL.onnx FEEDS.npz [--threads 1]    # prints one JSON line
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import pathlib
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent


def measure(runtime: str, model_path, feeds: dict, threads: int | None = None, timeout: float = 300) -> dict:
    """Run this module in a fresh interpreter; its JSON result, or ``{"error": ...}``."""
    with tempfile.TemporaryDirectory(prefix="refrt-bench-") as tmp:
        npz = pathlib.Path(tmp) / "feeds.npz"
        np.savez(npz, **feeds)
        cmd = [sys.executable, "-m", "bench.memory", runtime, str(model_path), str(npz)]
        if threads:
            cmd += ["--threads", str(threads)]
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT)
        except subprocess.TimeoutExpired:
            return {"error": f"over {timeout:.0f} s"}
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"exit {proc.returncode}: {tail}"[:500]}
    return json.loads(lines[-1])


def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # 5: reset the peak RSS (VmHWM) to the current RSS
        return _status_kib("VmHWM") is not None
    except OSError:
        return False


def _maxrss_kib() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak  # bytes on macOS, KiB on Linux


def _child(runtime: str, model_path: str, npz: str, threads: int | None) -> dict:
    from bench import workloads

    if runtime.startswith("refrt"):
        import refrt.providers

        refrt.providers.discover_all()
    elif runtime == workloads.ORT:
        import onnxruntime  # noqa: F401
    elif runtime == workloads.REFERENCE:
        import onnx.reference  # noqa: F401
    with np.load(npz, allow_pickle=False) as data:
        feeds = {k: data[k] for k in data.files}
    with workloads.thread_limits(threads):
        gc.collect()
        hwm = _reset_peak()
        base = _status_kib("VmRSS") if hwm else _maxrss_kib()
        peak = (lambda: _status_kib("VmHWM")) if hwm else _maxrss_kib
        t0 = time.perf_counter()
        run = workloads.make_runner(runtime, pathlib.Path(model_path), feeds, threads)
        session_s = time.perf_counter() - t0
        session_peak = peak()
        run()
        total_peak = peak()
    mib = 1 / 1024
    return {
        "method": "VmHWM reset by /proc/self/clear_refs" if hwm else "getrusage ru_maxrss delta",
        "baseline_mib": round(base * mib, 1),
        "session_peak_mib": round(max(0, session_peak - base) * mib, 1),
        "peak_mib": round(max(0, total_peak - base) * mib, 1),
        "session_s": session_s,
        "threads": threads or "default",
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.memory", description=__doc__.splitlines()[0])
    parser.add_argument("runtime")
    parser.add_argument("model")
    parser.add_argument("feeds", help=".npz of the inputs")
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args(argv)
    print(json.dumps(_child(args.runtime, args.model, args.feeds, args.threads)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
