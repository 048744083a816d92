"""RandomUniformLike: U[low, high) samples with the input's shape (and dtype unless given)."""

from __future__ import annotations

from refrt.registry import kernel

from ._random_util import generator, output_dtype


@kernel("RandomUniformLike", since=1)
def random_uniform_like(x, *, dtype=None, high=1.0, low=0.0, seed=None):
    return generator(seed).uniform(low, high, size=x.shape).astype(output_dtype(dtype, x))
