"""SkipLayerNormalization (refrt domain) on the device: LayerNorm over the last axis of x + skip
(+ bias), the sum kept as output 3 when read; float16 normalises in float32. Non-float or mixed
types run the NumPy kernel on the host."""

from __future__ import annotations

from refrt.kernels.numpy.op_skip_layer_normalization import skip_layer_normalization as _numpy_sln
from refrt.registry import kernel

from ._norm import standardize_rows
from ._xp import all_floats, array_namespace, compute_dtype, on_host


@kernel("SkipLayerNormalization", domain="refrt", since=1)
def skip_layer_normalization(x, skip, gamma, beta=None, bias=None, *, epsilon=1e-05, inplace=0,
                             _output_used=(True,)):
    if not all_floats(x, skip, gamma, beta, bias) or x.size == 0:
        return on_host(_numpy_sln, x, skip, gamma, beta, bias, epsilon=epsilon, inplace=0, _output_used=_output_used)
    xp = array_namespace(x)
    s = x if bias is None else x + bias
    s = s + skip
    d = s.shape[-1]
    work = compute_dtype(s.dtype)
    rows = s.reshape(-1, d).astype(work, copy=False)
    y, _, _ = standardize_rows(xp, rows, epsilon)
    y = y * gamma.reshape(-1).astype(work, copy=False)
    if beta is not None:
        y = y + beta.reshape(-1).astype(work, copy=False)
    y = y.reshape(s.shape).astype(s.dtype, copy=False)
    if len(_output_used) == 1:
        return y
    want_sum = len(_output_used) > 3 and _output_used[3]
    return (y, None, None, s if want_sum else None)[: len(_output_used)]
