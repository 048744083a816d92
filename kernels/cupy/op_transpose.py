"""Transpose on the device: ``data.transpose(perm)``, a view of the device array (checks as the NumPy kernel)."""

from __future__ import annotations

from refrt.registry import kernel


@kernel("Transpose", since=1)
def transpose(data, *, perm=None):
    if perm is None:
        return data.transpose()
    perm = [int(p) for p in perm]
    if sorted(perm) != list(range(data.ndim)):
        raise ValueError(f"Transpose: perm {perm} is not a permutation of the {data.ndim} axes of shape {data.shape}")
    return data.transpose(perm)
