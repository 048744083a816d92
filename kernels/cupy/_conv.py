"""Convolution on the device: im2col built from strided slices of the padded input (one copy per kernel
tap), then one batched matmul (cuBLAS) over all groups; depthwise convolutions go the same way (a
batched matmul with one row per group). The bias / residual / activation epilogue is one
ElementwiseKernel on a GPU (``_cuda.epilogue``)."""

from __future__ import annotations

import math

from refrt.kernels.numpy._conv_util import geometry
from refrt.kernels.numpy.op_conv import _check_shapes

from ._cuda import epilogue
from ._xp import array_namespace, compute_dtype


def pad_spatial(xp, x, begin, end, value=0):
    """``x`` (N, C, *spatial) with ``value`` added around each spatial axis (a new array)."""
    if not any(begin) and not any(end):
        return x
    shape = x.shape[:2] + tuple(n + b + e for n, b, e in zip(x.shape[2:], begin, end))
    out = xp.full(shape, value, dtype=x.dtype)
    out[(slice(None), slice(None)) + tuple(slice(b, b + n) for b, n in zip(begin, x.shape[2:]))] = x
    return out


def im2col(xp, xpad, geo):
    """(N, C * taps, pixels): for each channel and kernel tap (tap fastest), the input under that tap."""
    n, c = xpad.shape[:2]
    taps = math.prod(geo.kernel)
    pixels = math.prod(geo.out_shape)
    cols = xp.empty((n, c, taps) + geo.out_shape, dtype=xpad.dtype)
    for t, (_, index) in enumerate(geo.offsets()):
        cols[:, :, t] = xpad[index]
    return cols.reshape(n, c * taps, pixels)


def conv_core(x, w, b, z, *, auto_pad, dilations, group, kernel_shape, pads, strides, activation="",
              activation_params=None):
    """act(Conv(x, w) + b + z) on x's device, in the compute type, rounded to x's type."""
    xp = array_namespace(x, w)
    _check_shapes(x, w, b, group, kernel_shape)
    geo = geometry(x.shape[2:], w.shape[2:], strides=strides, dilations=dilations, pads=pads, auto_pad=auto_pad)
    work = compute_dtype(x.dtype)
    n, c = x.shape[:2]
    m = w.shape[0]
    pixels = math.prod(geo.out_shape)
    xc = x.astype(work, copy=False)
    wc = w.astype(work, copy=False)
    if x.size == 0 or w.size == 0:
        y = xp.zeros((n, m, pixels), dtype=work)
    else:
        unit = all(k == 1 for k in geo.kernel) and all(s == 1 for s in geo.strides) and not geo.padded
        cols = xc.reshape(n, c, pixels) if unit else im2col(xp, pad_spatial(xp, xc, geo.begin, geo.end), geo)
        k = cols.shape[1]
        if group == 1:
            y = xp.matmul(wc.reshape(m, k), cols)  # (M, K) @ (N, K, P) -> (N, M, P)
        else:
            cols = cols.reshape(n, group, k // group, pixels)
            y = xp.matmul(wc.reshape(group, m // group, k // group), cols).reshape(n, m, pixels)
    bias = None if b is None else b.astype(work, copy=False).reshape(m, 1)
    if z is not None:
        z = z.astype(work, copy=False)
        if z.shape == (n, m) + geo.out_shape:
            z = z.reshape(n, m, pixels)
        else:  # Z broadcasts the output to a larger shape: as Add does
            y = epilogue(xp, y, bias, None, "", None).reshape((n, m) + geo.out_shape) + z
            bias = z = None
            return epilogue(xp, y, None, None, activation, activation_params).astype(x.dtype, copy=False)
    y = epilogue(xp, y, bias, z, activation, activation_params)
    return y.reshape((n, m) + geo.out_shape).astype(x.dtype, copy=False)
