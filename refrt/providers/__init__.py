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

    def available(self) -> bool:
        return all(importlib.util.find_spec(m) is not None for m in self.requires)

    def discover(self) -> None:
        registry.discover(self.kernel_package, self.name)


CPU = Provider("CPUExecutionProvider", "refrt.kernels.numpy")

# Every provider refrt knows, in onnxruntime's order of preference (accelerators first). The Numba
# and CUDA providers are planned (see the issues); until their kernel packages exist they are
# reported as unavailable, and asking for them warns and falls back to the CPU.
KNOWN: dict[str, Provider] = {
    p.name: p
    for p in (
        Provider("CUDAExecutionProvider", "refrt.kernels.cupy", requires=("cupy", "refrt.kernels.cupy"), device="GPU"),
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
