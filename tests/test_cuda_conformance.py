"""The ONNX backend suite with the CUDA provider first, on a machine without a GPU: its device module
is the ``cuda-emulator`` stand-in (refrt/cuda_emulator.py), so every placement, host/device transfer,
CPU fallback and device kernel runs as on a GPU (arrays in host memory, CuPy's rules kept), and the CUDA
source the kernels generate runs compiled for the CPU. A device kernel that hands back a host array
fails its case here (the plan would otherwise upload it again and carry on). Same expected-failure list as the CPU provider,
the GPU tolerances of conformance/run_cuda.py. ``python -m conformance.run_cuda --emulate`` runs every
group; on a GPU, ``python -m conformance.run_cuda`` runs them on CuPy."""

from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

from conformance import run_cuda, runner  # noqa: E402
from refrt import cuda_emulator, device, plan  # noqa: E402

ok, why = cuda_emulator.available()
pytestmark = pytest.mark.skipif(not ok, reason=f"the CUDA emulator cannot run here: {why}")

EMULATED = (("CUDAExecutionProvider", {"device_module": device.EMULATOR}), "CPUExecutionProvider")


@pytest.mark.parametrize("group", ["node", "simple", "light"])
def test_group_passes_with_the_cuda_provider_first_on_the_emulator(group, monkeypatch):
    plain = runner.assert_similar
    monkeypatch.setattr(runner, "assert_similar", lambda expected, got, rtol, atol: plain(
        expected, got, max(rtol, run_cuda.GPU_RTOL), max(atol, run_cuda.GPU_ATOL)))

    def stays_on_device(self, value):  # the plan would upload it again ("implicit"): here it fails the case
        if value.__class__ is np.ndarray or isinstance(value, np.generic):
            raise RuntimeError(f"a device kernel returned a host array: {getattr(self.fn, '__qualname__', self.fn)}")
        return value

    monkeypatch.setattr(plan._DeviceKernel, "_on_device", stays_on_device)
    result = runner.run_group(group, providers=EMULATED, with_ort=False, progress=False, timeout=120, jobs=0)
    assert len(result.records) > 0
    bad = result.unexpected_failures
    assert not bad, f"{len(bad)} {group} cases fail with the CUDA provider on the emulator:\n" + "\n".join(
        f"  {group}/{name}: {r['detail']}" for name, r in bad.items())
    assert not result.unexpected_passes, result.unexpected_passes
