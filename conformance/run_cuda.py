"""Run the whole conformance suite with the CUDA provider first, on a GPU.

    python -m conformance.run_cuda [--kind all] [--filter REGEX] [--timeout S] [--no-ort] [--strict] [-v]

The runner of conformance/runner.py with providers ["CUDAExecutionProvider", "CPUExecutionProvider"]
(nodes without a CUDA kernel fall back to the CPU, with the plan's transfers) and the same
expected-failure list (conformance/expected_failures.txt). Cases run in this process (``--jobs 0``,
a SIGALRM watchdog per case): one CUDA context, no spawned workers each initialising CUDA.

GPU tolerances: each case's own rtol / atol (onnx's: rtol 1e-3, atol 1e-7 unless the case says), widened
to at least rtol 1e-4 / atol 1e-5, because cuBLAS (TF32 where CuPy enables it) and CUB reductions sum in
another order than NumPy does. Exit status as conformance.run_backend; 2 without a usable GPU.
"""

from __future__ import annotations

import argparse
import sys

GPU_RTOL = 1e-4
GPU_ATOL = 1e-5
PROVIDERS = "CUDAExecutionProvider,CPUExecutionProvider"


def main(argv=None) -> int:
    from refrt import device

    ok, why = device.cuda_check()
    if not ok:
        print(f"conformance.run_cuda: no usable GPU here ({why}); the CUDA provider cannot run. "
              "Run this on a machine with an NVIDIA GPU and CuPy (pip install 'refrt[cuda]').", file=sys.stderr)
        return 2
    import refrt

    if "CUDAExecutionProvider" not in refrt.get_available_providers():
        print("conformance.run_cuda: CuPy runs on the GPU, but refrt does not list CUDAExecutionProvider "
              f"as available ({refrt.get_available_providers()})", file=sys.stderr)
        return 2

    from conformance import runner
    from conformance.options import add_arguments

    parser = argparse.ArgumentParser(prog="python -m conformance.run_cuda", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(parser, "all")
    parser.set_defaults(providers=PROVIDERS, jobs=0)
    args = parser.parse_args(argv)
    if not args.providers.startswith("CUDAExecutionProvider"):
        parser.error("--providers must start with CUDAExecutionProvider")

    plain = runner.assert_similar

    def gpu_similar(expected, got, rtol, atol):  # the GPU tolerances (see the module docstring)
        return plain(expected, got, max(rtol, GPU_RTOL), max(atol, GPU_ATOL))

    runner.assert_similar = gpu_similar
    print(f"providers {args.providers.split(',')}; GPU tolerances rtol >= {GPU_RTOL}, atol >= {GPU_ATOL}",
          flush=True)
    return runner.run_from_args(args)


if __name__ == "__main__":
    sys.exit(main())
