"""FusedConv (refrt domain) on the Numba provider: depthwise convolutions compiled, the rest on BLAS.

Compiled: 2-D depthwise convolution (group == C, one input channel per group, any channel multiplier),
float32/float64, any kernel size, strides, dilations, pads or auto_pad, with the fused bias, residual Z
(same shape as the output) and Relu or Clip applied while the row is in cache; the other activations
run the NumPy kernel's in-place ``activate`` afterwards (same formulas, so the same numbers). Loops:
kernels/numba/_conv.py ``direct_conv2d``, one (image, channel) plane per prange iteration.

Delegated to the NumPy kernel (``build_fused_conv`` of kernels/numpy/op_fused_conv.py, its per-shape
fast path included): group == 1 and other grouped convolutions, 1-D/3-D, float16 and other types, a Z
that broadcasts, mixed types. On that path the NumPy kernel's epilogue (bias, residual, activation: one
whole-array pass each) is replaced by ``epilogue`` below, one compiled pass per output plane (same
operations, same order: bit-identical). The direct loops were measured on the benchmark's shapes and lost to
im2col + BLAS there (single thread, this machine): ShuffleNet's group-4 1x1 convolutions 840-950 us
against 130-370 us, MNIST's 1->16 3x3 on 28x28 45 against 26 us, 3->24 3x3 stride 2 on 224x224 3.0 ms
against 0.7 ms. Depthwise 3x3 won: 136x28x28 stride 1 274 against 591 us, 112x56x56 stride 2 402
against 560 us, 272x14x14 268 against 544 us, 544x7x7 314 against 485 us (NumPy: a batched matmul of
(1 x 9) by (9 x pixels) per channel).

Numbers: per output pixel the products are added in kernel order from zero, a plain dot product where
the NumPy kernel's BLAS blocks its own way: agreement to float rounding (a few ulp), not bit for bit.
"""

from __future__ import annotations

import numpy as np

from refrt.kernels.numpy._activation_util import activate
from refrt.kernels.numpy._conv_util import geometry
from refrt.kernels.numpy._elementwise_util import finite_range
from refrt.kernels.numpy.op_fused_conv import build_fused_conv, per_shape
from refrt.kernels.numpy.op_fused_conv import epilogue as numpy_epilogue
from refrt.registry import kernel

from . import _conv
from ._jit import set_threads

FAST_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


@kernel("FusedConv", domain="refrt", since=1, prepare=True)
def prepare_fused_conv(*, auto_pad="NOTSET", dilations=None, group=1, kernel_shape=None, pads=None, strides=None,
                       activation="", activation_params=None, packed=0):
    """The node's run function: the compiled depthwise path for shapes it covers (decided once per input
    shape), the NumPy kernel's run function for every other call."""
    attrs = dict(auto_pad=auto_pad, dilations=dilations, group=group, kernel_shape=kernel_shape, pads=pads,
                 strides=strides, activation=activation, activation_params=activation_params, packed=packed)
    return per_shape(lambda x, w: _plan(x, w, attrs), build_fused_conv(attrs, epilogue))


def _plan(x, w, attrs):
    """A function computing the node for this (x, w) shape on the compiled path, or False."""
    group, packed, kernel_shape = attrs["group"], attrs["packed"], attrs["kernel_shape"]
    if x.dtype not in FAST_DTYPES or w.dtype != x.dtype or x.ndim != 4 or not x.size or not w.size:
        return False
    n, c = x.shape[:2]
    m = w.shape[0]
    if group != c or c < 2 or m % c:
        return False  # depthwise only: dense (C = 1 included) and grouped convolutions stay on BLAS (measured faster)
    if packed:
        if kernel_shape is None or len(kernel_shape) != 2 or w.ndim != 2:
            return False
        kernel = tuple(int(k) for k in kernel_shape)
        if w.shape[1] != kernel[0] * kernel[1]:
            return False
    else:
        if w.ndim != 4 or w.shape[1] != 1:
            return False
        kernel = tuple(int(k) for k in w.shape[2:])
        if kernel_shape is not None and len(kernel_shape) and tuple(int(k) for k in kernel_shape) != kernel:
            return False
    try:
        geo = geometry(x.shape[2:], kernel, strides=attrs["strides"], dilations=attrs["dilations"],
                       pads=attrs["pads"], auto_pad=attrs["auto_pad"])
    except ValueError:
        return False  # the NumPy kernel raises it with the node's context
    if not all(geo.out_shape):
        return False
    out_shape = (n, m) + geo.out_shape
    dtype = x.dtype
    activation, params = attrs["activation"], attrs["activation_params"]
    zero = dtype.type(0)
    act, lo, hi = _activation_code(activation, params, dtype)
    after = activation if act == _conv.ACT_NONE else ""
    w_shape = (m, 1, kernel[0] * kernel[1])
    none = np.zeros((1, 1, 1, 1), dtype)

    def fast(x, w, b, z):
        if b is not None and (b.shape != (m,) or b.dtype != dtype):
            return None
        if z is not None and (z.shape != out_shape or z.dtype != dtype):
            return None
        xp, offs, step, pitch = _conv.flat_padded(x, geo, dtype)
        w3 = np.ascontiguousarray(w).reshape(w_shape)
        y = np.empty(out_shape, dtype)
        set_threads(y.size * kernel[0] * kernel[1])
        _conv.direct_conv2d(xp, w3, offs, none[0, 0, 0] if b is None else b,
                            none if z is None else np.ascontiguousarray(z), y, group, step, pitch, act, zero, lo, hi,
                            b is not None, z is not None)
        return activate(y, after, params) if after else y

    return fast


def _activation_code(activation: str, params, dtype: np.dtype):
    """(code, lo, hi) of an activation the compiled loops apply (Relu, Clip; ACT_NONE for the rest)."""
    zero = dtype.type(0)
    if activation == "Relu":
        return _conv.ACT_RELU, zero, dtype.type(np.inf)  # see _conv._relu_row
    if activation == "Clip":
        flo, fhi = finite_range(dtype)  # an unset (NaN) bound is the type's finite limit, as in Clip
        return (_conv.ACT_CLIP, dtype.type(flo if np.isnan(params[0]) else params[0]),
                dtype.type(fhi if np.isnan(params[1]) else params[1]))
    return _conv.ACT_NONE, zero, zero


def epilogue(y, b, z, activation, params):
    """The NumPy FusedConv's epilogue (bias, residual, activation on its fresh (N, M, pixels) output) as one
    compiled pass over blocks of each plane; the NumPy epilogue for other types and activations. Measured
    (float32, this machine; NumPy epilogue -> this): bias + Relu on 64x224x224 0.78 -> 0.47 ms, on 256x56x56
    0.27 -> 0.09 ms; bias + residual + Relu on 256x56x56 0.36 -> 0.17 ms; 2048x7x7 equal (0.05 ms). Not
    split across threads: two threads measured no faster on these memory-bound passes."""
    dtype = y.dtype
    if (dtype not in FAST_DTYPES or activation not in ("", "Relu", "Clip") or y.ndim != 3 or not y.flags.c_contiguous
            or (b is not None and b.dtype != dtype) or (z is not None and z.dtype != dtype)):
        return numpy_epilogue(y, b, z, activation, params)
    if b is None and z is None and not activation:
        return y
    act, lo, hi = _activation_code(activation, params, dtype)
    zero = dtype.type(0)
    bb = _NONE[dtype.char][0, 0] if b is None else b
    zz = _NONE[dtype.char] if z is None else np.ascontiguousarray(z)
    _conv.conv_epilogue(y, bb, zz, 0, y.shape[0] * y.shape[1], act, zero, lo, hi, b is not None, z is not None)
    return y


_NONE = {t.char: np.zeros((1, 1, 1), t) for t in FAST_DTYPES}  # stands for an absent b or z (never read)
