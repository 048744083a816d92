"""refrt SkipLayerNormalization: LayerNormalization over the last axis of input + skip (+ bias), what
fuse_skip_layer_normalization makes of a residual Add (and the bias Add of the MatMul before it)
feeding a LayerNormalization. Inputs and outputs as onnxruntime's com.microsoft op: (input, skip,
gamma, beta, bias) -> (output, mean, inv_std_var, input_skip_bias_sum); mean and inv_std_var are
never produced. The sum is made as the unfused graph makes it, (input + bias) + skip, in input's
type; the normalisation runs in float32 (float64 stays float64) in the sum's own buffer when
nothing reads the sum, rounded to the input's type at the end. With ``inplace=1`` (set by
mark_inplace when nothing else reads the input) the sum is made in the input's buffer."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array
from ._fused_util import compute_dtype, layer_norm_rows


def _add(a: np.ndarray, b: np.ndarray, own: bool) -> np.ndarray:
    """a + b, into a when a is a buffer we may overwrite that neither broadcast nor type widens."""
    if own and np.broadcast_shapes(a.shape, b.shape) == a.shape and np.result_type(a, b) == a.dtype:
        return np.add(a, b, out=a)
    return as_array(np.add(a, b))


@kernel("SkipLayerNormalization", domain="refrt", since=1)
def skip_layer_normalization(x, skip, gamma, beta=None, bias=None, *, epsilon=1e-05, inplace=0,
                             _output_used=(True,)):
    own_x = bool(inplace) and x.flags.writeable  # mark_inplace: nothing else reads x
    s = x if bias is None else _add(x, bias, own_x)
    s = _add(s, skip, bias is not None or own_x)
    want_sum = len(_output_used) > 3 and _output_used[3]
    d = s.shape[-1]
    work = compute_dtype(s.dtype)
    rows = s.reshape(-1, d).astype(work, copy=False)
    in_place = rows.dtype != s.dtype or not want_sum  # a copy of the sum, or a sum nobody else reads
    y = layer_norm_rows(rows, gamma.reshape(-1).astype(work, copy=False),
                        None if beta is None else beta.reshape(-1).astype(work, copy=False), epsilon,
                        out=rows if in_place else None)
    y = y.reshape(s.shape).astype(s.dtype, copy=False)
    if len(_output_used) == 1:
        return y
    return (y, None, None, s if want_sum else None)[: len(_output_used)]
