"""refrt Gelu: what fuse_gelu makes of x * 0.5 * (1 + Erf(x / sqrt(2))) (approximate="none") or
0.5 * x * (1 + Tanh(sqrt(2 / pi) * (x + 0.044715 * x^3))) (approximate="tanh") in models whose
default opset is below 20: the meaning of the standard Gelu-20, computed in float32 with a float32
erf (see _fused_util.gelu), as onnxruntime does."""

from __future__ import annotations

from refrt.registry import kernel

from ._fused_util import gelu as _gelu


@kernel("Gelu", domain="refrt", since=1)
def gelu(x, *, approximate="none"):
    return _gelu(x, approximate)
