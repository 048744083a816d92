"""RandomNormal: samples from N(mean, scale^2) of a fixed shape."""

from __future__ import annotations

from refrt.memory import check_allocation
from refrt.registry import kernel

from ._random_util import generator, output_dtype


@kernel("RandomNormal", since=1)
def random_normal(*, dtype=1, mean=0.0, scale=1.0, seed=None, shape=None):
    out = output_dtype(dtype)
    check_allocation(shape, out, "RandomNormal output")
    return generator(seed).normal(mean, scale, size=tuple(shape)).astype(out)
