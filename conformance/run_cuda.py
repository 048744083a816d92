"""Run the whole conformance suite with the CUDA provider first, on a GPU.

    python -m conformance.run_cuda [--kind all] [--filter REGEX] [--timeout S] [--no-ort] [--strict] [-v]
    python -m conformance.run_cuda --emulate [...]      # no GPU: the same run on the CUDA emulator

The runner of conformance/runner.py with providers ["CUDAExecutionProvider", "CPUExecutionProvider"]
(nodes without a CUDA kernel fall back to the CPU, with the plan's transfers) and the same
expected-failure list (conformance/expected_failures.txt). Cases run in this process (``--jobs 0``,
a SIGALRM watchdog per case): one CUDA context, no spawned workers each initialising CUDA.

GPU tolerances: each case's own rtol / atol (onnx's: rtol 1e-3, atol 1e-7 unless the case says), widened
to at least rtol 1e-4 / atol 1e-5, because cuBLAS (TF32 where CuPy enables it) and CUB reductions sum in
another order than NumPy does. Exit status as conformance.run_backend; 2 without a usable GPU.

``--emulate`` runs the same suite, with the same provider list, where there is no GPU: the CUDA
provider's device module is the ``cuda-emulator`` stand-in (refrt/cuda_emulator.py): every device kernel,
placement, transfer and CPU fallback runs as on a GPU, with arrays in host memory, and the CUDA source
the kernels generate compiled for the CPU (and by nvcc for the GPU where CuPy and nvcc are installed).
It checks the provider's logic and generated source on every case; it says nothing of CuPy's own
kernels or of speed.
"""

from __future__ import annotations

import argparse
import sys

GPU_RTOL = 1e-4
GPU_ATOL = 1e-5
PROVIDERS = "CUDAExecutionProvider,CPUExecutionProvider"


def main(argv=None) -> int:
    import os

    from conformance import runner
    from conformance.options import add_arguments
    from refrt import device

    parser = argparse.ArgumentParser(prog="python -m conformance.run_cuda", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(parser, "all")
    parser.add_argument("--emulate", action="store_true",
                        help="no GPU: the CUDA provider on the cuda-emulator device module (see above)")
    parser.set_defaults(providers=PROVIDERS, jobs=0)
    args = parser.parse_args(argv)
    if not args.providers.startswith("CUDAExecutionProvider"):
        parser.error("--providers must start with CUDAExecutionProvider")

    if args.emulate:
        from refrt import cuda_emulator

        ok, why = cuda_emulator.available()
        if not ok:
            print(f"conformance.run_cuda --emulate: {why}", file=sys.stderr)
            return 2
        os.environ[device.ENV] = device.EMULATOR  # the CUDA provider's device module, for this process
        nvcc, nvcc_why = cuda_emulator.nvcc_check()
        print(f"CUDA emulator: no GPU is used; nvcc check of CuPy's sources: {'on' if nvcc else f'off ({nvcc_why})'}",
              flush=True)
    else:
        ok, why = device.cuda_check()
        if not ok:
            print(f"conformance.run_cuda: no usable GPU here ({why}); the CUDA provider cannot run. "
                  "Run this on a machine with an NVIDIA GPU and CuPy (pip install 'refrt[cuda]').", file=sys.stderr)
            return 2
    import refrt

    if "CUDAExecutionProvider" not in refrt.get_available_providers():
        print("conformance.run_cuda: the CUDA provider's device module runs, but refrt does not list "
              f"CUDAExecutionProvider as available ({refrt.get_available_providers()})", file=sys.stderr)
        return 2

    plain = runner.assert_similar

    def gpu_similar(expected, got, rtol, atol):  # the GPU tolerances (see the module docstring)
        return plain(expected, got, max(rtol, GPU_RTOL), max(atol, GPU_ATOL))

    runner.assert_similar = gpu_similar
    print(f"providers {args.providers.split(',')}; GPU tolerances rtol >= {GPU_RTOL}, atol >= {GPU_ATOL}",
          flush=True)
    status = runner.run_from_args(args)
    if args.emulate:
        from refrt import cuda_emulator

        checks = cuda_emulator.CHECKS
        print(f"CUDA emulator: {checks['runs']} launches of {checks['cxx']} distinct CUDA kernels on the CPU"
              + (f", {checks['nvcc']} of CuPy's generated sources compiled by nvcc" if checks["nvcc"] else "")
              + (" (in this process; run with --jobs 0 to count them all)" if args.jobs else ""), flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
