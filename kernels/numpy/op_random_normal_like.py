"""RandomNormalLike: N(mean, scale^2) samples with the input's shape (and dtype unless given)."""

from __future__ import annotations

from refrt.registry import kernel

from ._random_util import generator, output_dtype


@kernel("RandomNormalLike", since=1)
def random_normal_like(x, *, dtype=None, mean=0.0, scale=1.0, seed=None):
    return generator(seed).normal(mean, scale, size=x.shape).astype(output_dtype(dtype, x))
