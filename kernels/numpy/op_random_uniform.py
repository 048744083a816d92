"""RandomUniform: samples from U[low, high) of a fixed shape."""

from __future__ import annotations

from refrt.memory import check_allocation
from refrt.registry import kernel

from ._random_util import generator, output_dtype


@kernel("RandomUniform", since=1)
def random_uniform(*, dtype=1, high=1.0, low=0.0, seed=None, shape=None):
    out = output_dtype(dtype)
    check_allocation(shape, out, "RandomUniform output")
    return generator(seed).uniform(low, high, size=tuple(shape)).astype(out)
