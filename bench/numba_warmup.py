"""What the Numba provider's compilation costs: session creation with the warm-up option, in a fresh
process, with Numba's on-disk cache cleared (cold: every kernel the model needs is compiled) and then
again with the cache filled (warm: a second process loads the compiled code), against the NumPy provider.

    python -m bench.numba_warmup [NAME ...]      # default: a few models of the benchmark set

Cold clears the cache files of refrt's Numba kernels (``kernels/numba/__pycache__/*.nbi|*.nbc``), so run
it when nothing else is using them. Prints a Markdown table (milliseconds).
"""

from __future__ import annotations

import argparse
import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEFAULT = ["mnist_cnn", "bert_mini", "lstm", "light_squeezenet", "light_shufflenet", "random_forest"]

_CHILD = r"""
import json, sys, time
from bench import models as m
import refrt
from refrt.session import WARM_UP
case = [c for c in m.select([sys.argv[1]])][0]
data = case.load().SerializeToString()
providers = sys.argv[2].split(",")
so = refrt.SessionOptions()
so.add_session_config_entry(WARM_UP, "1")
t = time.perf_counter()
refrt.InferenceSession(data, so, providers=providers)
print(json.dumps({"ms": (time.perf_counter() - t) * 1e3}))
"""


def cache_files() -> list[pathlib.Path]:
    import refrt.kernels

    folder = pathlib.Path(refrt.kernels.__file__).parent / "numba" / "__pycache__"
    return [p for p in folder.glob("*") if p.suffix in (".nbi", ".nbc")] if folder.exists() else []


def create_ms(name: str, providers: str) -> float:
    out = subprocess.run([sys.executable, "-c", _CHILD, name, providers], cwd=ROOT, capture_output=True, text=True,
                         timeout=900, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])["ms"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", default=DEFAULT)
    args = parser.parse_args(argv)
    print("| model | NumPy provider session ms | Numba cold (compiling) ms | Numba warm (cached) ms |")
    print("|---|---|---|---|")
    for name in args.names:
        numpy_ms = create_ms(name, "CPUExecutionProvider")
        for f in cache_files():
            f.unlink()
        cold = create_ms(name, "NumbaExecutionProvider,CPUExecutionProvider")
        warm = create_ms(name, "NumbaExecutionProvider,CPUExecutionProvider")
        print(f"| {name} | {numpy_ms:.0f} | {cold:.0f} | {warm:.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
