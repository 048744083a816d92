"""refrt SkipLayerNormalization on the Numba provider: (input + bias) + skip and its
LayerNormalization over the last axis in one compiled pass per row, rows in parallel (prange) for
large inputs.

Compiled: float32, C-contiguous input of shape (..., d); skip of the input's shape or of a trailing
part of it ((S, d) against (B, S, d)); gamma, beta, bias of d elements. The sum is rounded to float32
at each Add, as the unfused graph (and the NumPy kernel) makes it; the row statistics are float32
(the mean and the variance of the centred row times 1/d, then 1 / sqrt(var + epsilon), as
_fused_util.layer_norm_rows rounds them) but summed in float64 where NumPy sums float32 pairwise /
by einsum: the output agrees with the NumPy kernel's to a few float32 ulp. Everything else (other
dtypes, other broadcasts) is the NumPy kernel. With ``inplace=1`` and nobody reading the sum, the
output is written into the input's buffer, as the NumPy kernel does.

Faster: one read of input, skip and bias and one write, where the NumPy kernel makes ~10 passes
(two Adds, sum, subtract, einsum, scale, shift ...). BERT-base's (1, 128, 768) with bias, one
thread: 0.27 ms (NumPy kernel) -> 0.07 ms; first call compiles ~1.2 s (then numba's disk cache).
"""

from __future__ import annotations

import numpy as np

from refrt.kernels.numpy.op_skip_layer_normalization import skip_layer_normalization as _numpy_kernel
from refrt.registry import kernel

from ._elementwise import SKIP_LAYER_NORM, f32_contiguous, pick


def _vector(v, d: int) -> bool:
    return v is None or (v.size == d and all(n == 1 for n in v.shape[:-1]))


@kernel("SkipLayerNormalization", domain="refrt", since=1)
def skip_layer_normalization(x, skip, gamma, beta=None, bias=None, *, epsilon=1e-05, inplace=0,
                             _output_used=(True,)):
    d = x.shape[-1] if x.ndim else 0
    ok = (d > 0 and x.size > 0 and f32_contiguous(x, skip, gamma, beta, bias)
          and _vector(gamma, d) and _vector(beta, d) and _vector(bias, d)
          and 1 <= skip.ndim and skip.shape[-1] == d
          and (skip.shape == x.shape or (skip.ndim <= x.ndim and skip.shape == x.shape[x.ndim - skip.ndim:])))
    if not ok:
        return _numpy_kernel(x, skip, gamma, beta, bias, epsilon=epsilon, inplace=inplace, _output_used=_output_used)
    want_sum = len(_output_used) > 3 and _output_used[3]
    rows = x.size // d
    out = x if inplace and x.flags.writeable else np.empty_like(x)  # mark_inplace: nothing else reads x
    total = np.empty_like(x) if want_sum else out
    gamma = gamma.reshape(-1)
    pick(SKIP_LAYER_NORM, x.size)(
        x.reshape(-1), skip.reshape(-1), gamma if bias is None else bias.reshape(-1), gamma,
        gamma if beta is None else beta.reshape(-1), out.reshape(-1), total.reshape(-1), rows, d,
        skip.size // d, np.float32(1.0 / d), np.float32(epsilon), bias is not None, beta is not None, want_sum)
    if len(_output_used) == 1:
        return out
    return (out, None, None, total if want_sum else None)[: len(_output_used)]
