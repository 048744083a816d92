"""DynamicQuantizeLinear: uint8 quantization of x with a scale and zero point computed from x's range.

The range is widened to include 0; scale = (max - min) / 255 (1 when the range is empty); zero point
= round(clip(-min / scale, 0, 255)). All arithmetic in float32, rounding half to even, as in the
spec and onnxruntime.
"""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._quant_util import quantize


@kernel("DynamicQuantizeLinear", since=11)
def dynamic_quantize_linear(x):
    xf = x.astype(np.float32, copy=False)
    # fmax/fmin skip NaN, as onnxruntime's min/max search does.
    hi = np.float32(np.fmax.reduce(xf, axis=None, initial=0.0))
    lo = np.float32(np.fmin.reduce(xf, axis=None, initial=0.0))
    scale = np.float32(1) if hi == lo else np.float32((hi - lo) / np.float32(255))
    zero_point = np.rint(np.clip(np.float32(0) - lo / scale, np.float32(0), np.float32(255)))
    zp = np.array(zero_point, dtype=np.uint8)
    with np.errstate(invalid="ignore", over="ignore"):
        y = quantize(xf / scale, np.dtype(np.uint8), zp)
    return y, np.array(scale, dtype=np.float32), zp
