"""Bernoulli: 1 with probability x, else 0, elementwise."""

from __future__ import annotations

from refrt.registry import kernel

from ._random_util import generator, output_dtype


@kernel("Bernoulli", since=15)
def bernoulli(x, *, dtype=None, seed=None):
    draws = generator(seed).random(size=x.shape) < x
    return draws.astype(output_dtype(dtype, x))
