"""FusedConv (refrt domain): act(Conv(X, W, B) + Z), the pattern Conv [+ Add(residual)] [+ activation].

Replaces Conv followed by an Add of another value ``Z`` (a residual connection) and/or by one of
Relu, Clip, Sigmoid, LeakyRelu, HardSigmoid, Tanh (onnxruntime's contrib FusedConv). The bias, the
sum and the activation are applied in place on the convolution's own output, so the chain needs
one buffer instead of one per node.

For float32/float64 with group=1 the im2col matrix is built in bands of output rows (about
``BAND_BYTES`` each), each multiplied straight into its slice of the output: the full matrix
(9x the input for a 3x3 kernel) never exists, so peak memory drops by about its size, at the same
speed. Other cases (groups, float16, 1x1 convolutions that need no im2col, shapes too small to
split) run the Conv kernel; the in-place bias, Z and activation steps are the same.

With ``packed=1`` (ORT_ENABLE_LAYOUT, pass prepack_weights) W arrives pre-packed at session creation:
the (M, C/group * prod(kernel_shape)) matrix the im2col matmul multiplies, contiguous, already in
the compute dtype (a float16 weight is widened once, not on every run).
"""

from __future__ import annotations

import math

import numpy as np

from refrt.registry import kernel

from ._activation_util import activate
from ._conv_util import compute_dtype, geometry, pad_spatial, windows
from .op_conv import _check_shapes, conv

BAND_BYTES = 1 << 20  # im2col columns per band: about an L2 cache, so the epilogue reads cached data
MIN_BAND_COLUMNS = 512  # narrower bands would make the matmul less efficient than one large one


MAX_SHAPES = 64  # per node: input shapes whose fast path is kept (a batch-size sweep stays well below)
FAST_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


@kernel("FusedConv", domain="refrt", since=1, prepare=True)
def prepare_fused_conv(*, auto_pad="NOTSET", dilations=None, group=1, kernel_shape=None, pads=None, strides=None,
                       activation="", activation_params=None, packed=0):
    """The node's run function: a per-input-shape fast path (geometry, padding and im2col layout worked
    out on a shape's first run, then reused) for the common case, ``fused_conv`` for everything else.

    The shape table only grows (one entry per new input shape, capped at MAX_SHAPES); entries are
    immutable, so concurrent runs at worst work out the same entry twice."""
    attrs = dict(auto_pad=auto_pad, dilations=dilations, group=group, kernel_shape=kernel_shape, pads=pads,
                 strides=strides, activation=activation, activation_params=activation_params, packed=packed)
    return build_fused_conv(attrs, epilogue)


def epilogue(y: np.ndarray, b, z, activation: str, params) -> np.ndarray:
    """y + b (per output channel), + z, then the activation, in place on the fresh (N, M, pixels) ``y``
    (``z`` already of y's shape). A provider may pass its own to ``build_fused_conv`` (the same numbers)."""
    if b is not None:
        y += b.reshape(b.shape[0], 1)
    if z is not None:
        y += z
    return activate(y, activation, params)


def build_fused_conv(attrs: dict, epilogue=epilogue):
    """``prepare_fused_conv``'s run function for bound attributes, with the given epilogue on the fast paths."""
    return per_shape(lambda x, w: _fast_path(x, w, attrs, epilogue),
                     lambda x, w, b, z: fused_conv(x, w, b, z, **attrs, _epilogue=epilogue))


def per_shape(plan_of, general):
    """A FusedConv run function ``run(x, w, b=None, z=None)``: ``plan_of(x, w)`` worked out once per
    input shape and type (kept for MAX_SHAPES of them) gives a function computing the node for that
    shape, or False; where there is none, or it returns None (e.g. for a b or z it does not take),
    ``general(x, w, b, z)`` runs instead."""
    shapes: dict[tuple, object] = {}

    def run(x, w, b=None, z=None):
        key = (x.shape, x.dtype, w.shape, w.dtype)
        plan = shapes.get(key)
        if plan is None:
            plan = plan_of(x, w)
            if len(shapes) < MAX_SHAPES:
                shapes[key] = plan
        if plan:
            y = plan(x, w, b, z)
            if y is not None:
                return y
        return general(x, w, b, z)

    return run


def _fast_path(x, w, attrs, epilogue=epilogue):
    """For one (x, w) shape and type: a function computing the fused result with everything that depends
    only on the shapes done once, or False where the general kernel should run (groups, narrow or mixed
    types, shapes large enough for the banded path, or anything the general kernel must reject)."""
    packed, group, kernel_shape = attrs["packed"], attrs["group"], attrs["kernel_shape"]
    if x.dtype not in FAST_DTYPES or w.dtype != x.dtype or x.ndim < 3 or not x.size or not w.size:
        return False
    n, c = x.shape[:2]
    m = w.shape[0]
    if group < 1 or c % group or m % group:
        return False
    if packed:
        if kernel_shape is None or w.ndim != 2 or len(kernel_shape) != x.ndim - 2:
            return False
        kernel = tuple(int(k) for k in kernel_shape)
    else:
        if w.ndim != x.ndim or w.shape[1] * group != c:
            return False
        kernel = tuple(int(k) for k in w.shape[2:])
        if kernel_shape is not None and len(kernel_shape) and tuple(int(k) for k in kernel_shape) != kernel:
            return False
    k = c * math.prod(kernel)
    kg = k // group  # one group's im2col rows
    if packed and w.shape[1] != kg:
        return False
    if group == 1 and x[0].size * math.prod(kernel) * x.itemsize > BAND_BYTES:
        return False  # large images: the banded path keeps the im2col matrix small
    try:
        geo = geometry(x.shape[2:], kernel, strides=attrs["strides"], dilations=attrs["dilations"],
                       pads=attrs["pads"], auto_pad=attrs["auto_pad"])
    except ValueError:
        return False  # the general kernel raises it, with the node's context
    pixels = math.prod(geo.out_shape)
    out_shape = (n, m) + geo.out_shape
    if not pixels:
        return False
    activation, params = attrs["activation"], attrs["activation_params"]
    unit = all(s == 1 for s in geo.kernel) and all(s == 1 for s in geo.strides) and not geo.padded
    padded_shape = (n, c) + tuple(d + b + e for d, b, e in zip(x.shape[2:], geo.begin, geo.end))
    interior = (slice(None), slice(None)) + tuple(slice(b, b + d) for b, d in zip(geo.begin, x.shape[2:]))
    # the im2col view (N, C, *kernel, *out) of a C-contiguous padded input, as windows() builds it
    item = x.itemsize
    contiguous = [item]
    for d in reversed(padded_shape[1:]):
        contiguous.insert(0, contiguous[0] * d)
    spatial = tuple(contiguous[2:])
    view_shape = (n, c) + geo.kernel + geo.out_shape
    view_strides = (tuple(contiguous[:2]) + tuple(st * d for st, d in zip(spatial, geo.dilations))
                    + tuple(st * s for st, s in zip(spatial, geo.strides)))
    dtype = x.dtype

    def fast(x, w, b, z):
        if z is not None and z.shape != out_shape:
            return None
        if b is not None and (b.shape != (m,) or b.dtype != dtype):
            return None
        if unit:
            cols = x.reshape(n, c, pixels)
        else:
            if geo.padded:
                xp = np.zeros(padded_shape, dtype)
                xp[interior] = x
            else:
                xp = np.ascontiguousarray(x)
            cols = np.ndarray(view_shape, dtype, buffer=xp, strides=view_strides).reshape(n, k, pixels)
            del xp  # the padded copy is freed here unless cols is still a view of it
        if group == 1:
            y = np.matmul(w.reshape(m, k), cols)  # (M, K) @ (N, K, P) -> (N, M, P), fresh
        else:  # (G, M/G, K/G) @ (N, G, K/G, P) -> (N, G, M/G, P): each group its own rows, as Conv does
            y = np.matmul(w.reshape(group, m // group, kg), cols.reshape(n, group, kg, pixels)).reshape(n, m, pixels)
        del cols  # the im2col copy goes before the epilogue, whose broadcast needs a buffer of its own
        return epilogue(y, b, None if z is None else z.reshape(y.shape), activation, params).reshape(out_shape)

    return fast


def fused_conv(x, w, b=None, z=None, *, auto_pad="NOTSET", dilations=None, group=1, kernel_shape=None, pads=None,
               strides=None, activation="", activation_params=None, packed=0, _epilogue=epilogue):
    if packed:  # back to (M, C/group, *kernel): a free view of the packed matrix
        w = w.reshape((w.shape[0], -1) + tuple(int(k) for k in kernel_shape))
    # Bands only pay where one image's im2col matrix (about C * taps * pixels) exceeds a band.
    if (group == 1 and x.dtype == compute_dtype(x.dtype) and w.dtype == x.dtype and x.ndim == w.ndim >= 3
            and x.size and w.size and x[0].size * math.prod(w.shape[2:]) * x.itemsize > BAND_BYTES):
        _check_shapes(x, w, b, group, kernel_shape)
        geo = geometry(x.shape[2:], w.shape[2:], strides=strides, dilations=dilations, pads=pads, auto_pad=auto_pad)
        n, m = x.shape[0], w.shape[0]
        if z is None or z.shape == (n, m) + geo.out_shape:
            y = _banded(x, w, b, z, geo, activation, activation_params, _epilogue)
            if y is not None:
                return y
    y = conv(x, w, b, auto_pad=auto_pad, dilations=dilations, group=group, kernel_shape=kernel_shape, pads=pads,
             strides=strides)
    if z is not None:
        try:
            y += z  # the residual Add, on the fresh output
        except ValueError:
            y = np.add(y, z)  # Z broadcasts the output to a larger shape: as Add does
    return activate(y, activation, activation_params)


def _banded(x, w, b, z, geo, activation, params, epilogue=epilogue) -> np.ndarray | None:
    """The fused result with the im2col matrix built band by band (None: take the plain path)."""
    n, c = x.shape[:2]
    m = w.shape[0]
    k = c * math.prod(geo.kernel)
    row = math.prod(geo.out_shape[1:])  # output pixels per row of the first spatial axis
    rows = geo.out_shape[0]
    if not rows or not row:
        return None
    unit = all(s == 1 for s in geo.kernel) and all(s == 1 for s in geo.strides) and not geo.padded
    band_rows = max(BAND_BYTES // max(1, k * row * x.itemsize), -(-MIN_BAND_COLUMNS // row), 1)
    if unit or band_rows >= rows:
        return None  # no im2col copy (1x1), or a single band: the Conv kernel does the same
    w2 = w.reshape(m, k)
    win = windows(pad_spatial(x, geo.begin, geo.end), geo)  # (N, C, *kernel, *out): a view, no copy
    lead = (slice(None),) * (1 + len(geo.kernel))
    y = np.empty((n, m, rows * row), dtype=x.dtype)
    for i in range(n):
        for r0 in range(0, rows, band_rows):
            r1 = min(rows, r0 + band_rows)
            cols = win[i][lead + (slice(r0, r1),)].reshape(k, (r1 - r0) * row)  # this band's im2col copy
            np.matmul(w2, cols, out=y[i, :, r0 * row:r1 * row])  # (M, K) @ (K, P) into the output
    # the epilogue over the whole (contiguous) output: faster than per band on strided views
    b = None if b is None else b.astype(x.dtype, copy=False)
    if epilogue(y, b, None if z is None else z.reshape(y.shape), activation, params) is not y:
        raise AssertionError("activation not applied in place")  # float32/float64 only come here
    return y.reshape((n, m) + geo.out_shape)
