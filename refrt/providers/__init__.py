"""Execution providers: a name, whether it can run here, and the kernel package it brings.

A provider plugs in by naming its kernel package; the registry discovers that package the first
time the provider is used. Placement is per node: a node goes to the first provider in the
session's list that has its kernel, and CPUExecutionProvider (complete) is always last.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

from refrt import registry


@dataclass(frozen=True)
class Provider:
    name: str
    kernel_package: str
    requires: tuple[str, ...] = ()  # importable modules it needs
    device: str = "CPU"

    def available(self, options: dict | None = None) -> bool:
        return all(importlib.util.find_spec(m) is not None for m in self.requires)

    def check_options(self, options: dict) -> dict:
        """The options this provider accepts, validated; onnxruntime's words for a bad one."""
        return dict(options)

    def make_device(self, options: dict):
        """The device this provider computes on (None: the host)."""
        return None

    def discover(self) -> None:
        registry.discover(self.kernel_package, self.name)


CPU = Provider("CPUExecutionProvider", "refrt.kernels.numpy")


# onnxruntime's CUDA provider options that have no meaning for CuPy: accepted (scripts written for
# onnxruntime keep working) and ignored, each with the reason.
CUDA_IGNORED_OPTIONS = {
    "gpu_mem_limit": "CuPy's memory pool grows as needed (cupy.get_default_memory_pool().set_limit bounds it)",
    "arena_extend_strategy": "CuPy's memory pool has its own growth policy",
    "cudnn_conv_algo_search": "convolutions go through CuPy's matmul, not a cuDNN algorithm search",
    "do_copy_in_default_stream": "refrt runs every copy and kernel on CuPy's current stream",
}


@dataclass(frozen=True)
class CudaProvider(Provider):
    """CUDAExecutionProvider on CuPy: available only where a GPU really runs a kernel (refrt.device)."""

    def available(self, options: dict | None = None) -> bool:
        from refrt import device

        if importlib.util.find_spec(self.kernel_package) is None:
            return False
        return device.module_available(device.requested_module(options))

    def unavailable_reason(self) -> str:
        from refrt import device

        return device.cuda_check()[1]

    def check_options(self, options: dict) -> dict:
        from refrt import device
        from refrt.errors import Fail

        checked = {}
        for name, value in options.items():
            if name == "device_id":
                try:
                    checked[name] = int(value)
                except (TypeError, ValueError):
                    raise Fail(f'Failed to parse provider option "device_id": invalid integer "{value}"') from None
                if checked[name] < 0:
                    raise Fail(f"Invalid device id {checked[name]}: device_id must be >= 0")
            elif name == "device_module":  # refrt's, for tests: the NumPy stand-in on a machine without GPU
                checked[name] = device.requested_module(options)
            elif name in CUDA_IGNORED_OPTIONS:
                checked[name] = value
            else:
                raise Fail(f'Unknown provider option: "{name}".')
        return checked

    def make_device(self, options: dict):
        from refrt import device
        from refrt.errors import Fail

        module = device.requested_module(options)
        device_id = int(options.get("device_id", 0))
        if module == "cupy":
            import cupy

            count = cupy.cuda.runtime.getDeviceCount()
            if device_id >= count:
                raise Fail(f"Invalid device id {device_id}: this machine has {count} CUDA device(s)")
        elif device_id != 0:
            raise Fail(f"Invalid device id {device_id}: the {module} device module has one device (0)")
        return device.Device(module, device_id)

# Every provider refrt knows, in onnxruntime's order of preference (accelerators first). A provider
# that cannot run here (no Numba, no CuPy, no working GPU) is reported as unavailable, and asking for
# it warns and falls back to the CPU, as onnxruntime does.
KNOWN: dict[str, Provider] = {
    p.name: p
    for p in (
        CudaProvider("CUDAExecutionProvider", "refrt.kernels.cupy", device="GPU"),
        Provider("NumbaExecutionProvider", "refrt.kernels.numba", requires=("numba", "refrt.kernels.numba")),
        CPU,
    )
}


registry.PACKAGE_PROVIDERS.update({p.kernel_package: p.name for p in KNOWN.values()})


def get_all_providers() -> list[str]:
    return list(KNOWN)


def get_available_providers() -> list[str]:
    return [name for name, p in KNOWN.items() if p.available()]


def discover_all() -> None:
    for p in KNOWN.values():
        if p.available():
            p.discover()
