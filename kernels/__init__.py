"""refrt's kernels, one subpackage per provider (installed as ``refrt.kernels``).

``kernels/numpy`` is the readable reference (CPUExecutionProvider). Each module holds the kernels
of one operator, ``op_<snake_name>.py``; dropping a file in is enough, discovery needs no list.
"""

from __future__ import annotations


def coverage(provider: str | None = None) -> dict[str, list[tuple[str, int, int | None]]]:
    """{provider: [(domain:op, since, until), ...]} for every registered kernel."""
    from refrt import providers
    from refrt import registry

    providers.discover_all()
    table: dict[str, list[tuple[str, int, int | None]]] = {}
    for e in registry.entries(provider):
        table.setdefault(e.provider, []).append((f"{e.domain or 'ai.onnx'}:{e.op}", e.since, e.until))
    return table
