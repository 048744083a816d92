"""Identity: the input itself (tensors, sequences and optionals alike)."""

from __future__ import annotations

from refrt.registry import kernel


@kernel("Identity", since=1)
def identity(x):
    return x
