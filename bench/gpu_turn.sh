#!/usr/bin/env bash
# The CUDA provider's whole GPU check as one command, for a GPU machine without network access (such
# as this workplace's lent device machines, whose Python already holds CuPy, PyTorch and onnxruntime):
#
#   bash bench/gpu_turn.sh            # on the GPU machine
#   bash bench/gpu_turn.sh --emulate  # a rehearsal anywhere: the same steps on the CUDA emulator
#
# 1. builds refrt from this checkout into $WORK/site with the machine's own pip and setuptools (no
#    downloads, no build isolation, nothing installed into the machine's environment) and runs the
#    tests, conformance and bench packages from a copy in $WORK/run, so `import refrt` is the build
#    ($WORK: a new temporary folder unless set);
# 2. the CUDA tests (the GPU copies run here; they skip only without a GPU; with --emulate, the emulator's too);
# 3. the whole conformance suite with the CUDA provider first (conformance/run_cuda.py);
# 4. the benchmark against the CPU providers, onnxruntime and PyTorch CUDA (bench/cuda_compare.py).
# Logs and results go to $OUT (default: ./gpu_turn; the device tool's $OUT where it sets one). Each
# step has a time limit (STEP_LIMIT_S, default 150 s; the benchmark BENCH_LIMIT_S, default 240 s) so that
# one slow step cannot eat the others' time and the whole stays under 10 minutes (one device command). Exit status: the number of
# steps that failed.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
OUT="${OUT:-$ROOT/gpu_turn}"
WORK="${WORK:-$(mktemp -d)}"
PY="${PYTHON:-python3}"
STEP_LIMIT_S="${STEP_LIMIT_S:-150}"
BENCH_LIMIT_S="${BENCH_LIMIT_S:-240}"
EMULATE=()
[ "${1:-}" = "--emulate" ] && EMULATE=(--emulate)
mkdir -p "$OUT"
failed=0
step() { echo "== $* ($(date -u +%H:%M:%S))"; }

step "machine"
{ nvidia-smi 2>&1 || echo "no nvidia-smi"; "$PY" --version; } > "$OUT/machine.txt"
head -15 "$OUT/machine.txt"

step "build refrt into $WORK/site (no network)"
rm -rf "$WORK/site" "$WORK/run"
if ! "$PY" -m pip install -q --no-deps --no-build-isolation --no-index --target "$WORK/site" . > "$OUT/build.log" 2>&1; then
    tail -20 "$OUT/build.log"; echo "build failed"; exit 99
fi
mkdir -p "$WORK/run" && cp -r tests conformance bench pyproject.toml "$WORK/run/"
rm -rf "$WORK/run/conformance/results" "$WORK/run/bench/results"
export PYTHONPATH="$WORK/site:$WORK/run"
# caches where this script may write (the machine's home may be read-only or shared)
export CUPY_CACHE_DIR="${CUPY_CACHE_DIR:-$WORK/cupy-cache}" NUMBA_CACHE_DIR="${NUMBA_CACHE_DIR:-$WORK/numba-cache}"
export XDG_CACHE_HOME="${XDG_CACHE_HOME:-$WORK/cache}" REFRT_EMULATOR_CACHE="${REFRT_EMULATOR_CACHE:-$WORK/emulator-cache}"
cd "$WORK/run"
"$PY" - <<'EOF' 2>&1 | tee "$OUT/versions.txt"
import importlib, refrt
from refrt import device
print("refrt from", refrt.__file__)
for name in ("numpy", "onnx", "onnxruntime", "cupy", "torch", "numba"):
    try:
        print(name, importlib.import_module(name).__version__)
    except Exception as e:  # noqa: BLE001
        print(name, "not importable:", type(e).__name__, e)
print("cuda_check", device.cuda_check())
print("available providers", refrt.get_available_providers())
EOF

step "CUDA tests"
# on a GPU the GPU copies are what matters (the emulator's own tests would spend the step compiling with nvcc)
if [ ${#EMULATE[@]} -eq 0 ]; then TESTS=(tests/test_cuda_core.py tests/test_cuda_kernels.py)
else TESTS=(tests/test_cuda_core.py tests/test_cuda_kernels.py tests/test_cuda_emulator.py tests/test_cuda_conformance.py); fi
timeout "$STEP_LIMIT_S" "$PY" -m pytest -q -p no:cacheprovider -rs "${TESTS[@]}" > "$OUT/pytest.log" 2>&1 || failed=$((failed + 1))
tail -8 "$OUT/pytest.log"

step "conformance, CUDA provider first"
timeout "$STEP_LIMIT_S" "$PY" -m conformance.run_cuda "${EMULATE[@]}" --kind all --no-ort --no-progress -v \
    > "$OUT/conformance.log" 2>&1 || failed=$((failed + 1))
grep -v "^    test_" "$OUT/conformance.log" | tail -16

step "benchmark"
timeout "$BENCH_LIMIT_S" "$PY" -m bench.cuda_compare "${EMULATE[@]}" ${BENCH_ARGS:-} --out "$OUT/cuda_compare.json" \
    --workdir "$WORK/models" \
    > "$OUT/bench.md" 2> "$OUT/bench.log" || failed=$((failed + 1))
cat "$OUT/bench.md"; tail -3 "$OUT/bench.log"

step "done: $failed step(s) failed; logs in $OUT"
exit "$failed"
