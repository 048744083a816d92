"""Shared geometry for convolution and pooling: attribute defaults, padding, output sizes, windows.

Every sliding-window op (Conv, ConvTranspose, *Pool) settles its geometry the same way; keeping it in
one place means auto_pad, ceil_mode and dilations mean the same thing everywhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import product

import numpy as np
from numpy.lib.stride_tricks import as_strided

AUTO_PADS = ("NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID")


def compute_dtype(dtype: np.dtype) -> np.dtype:
    """The dtype to do the arithmetic in: float16/bfloat16 widen to float32, the rest stay."""
    dtype = np.dtype(dtype)
    if dtype.kind == "V" or (dtype.kind == "f" and dtype.itemsize < 4):
        return np.dtype(np.float32)
    return dtype


def as_compute(x: np.ndarray) -> np.ndarray:
    return x.astype(compute_dtype(x.dtype), copy=False)


def spatial_list(values, rank: int, default: int, name: str) -> list[int]:
    """An int-per-spatial-axis attribute (strides, dilations), ``default`` where absent."""
    if values is None or len(values) == 0:
        return [default] * rank
    values = [int(v) for v in values]
    if len(values) != rank:
        raise ValueError(f"{name} has {len(values)} values, expected one per spatial axis ({rank})")
    if any(v < 1 for v in values):
        raise ValueError(f"{name} must be positive, got {values}")
    return values


def check_auto_pad(auto_pad) -> str:
    if isinstance(auto_pad, bytes):
        auto_pad = auto_pad.decode()
    if auto_pad not in AUTO_PADS:
        raise ValueError(f"auto_pad must be one of {AUTO_PADS}, got {auto_pad!r}")
    return auto_pad


@dataclass(frozen=True)
class Geometry:
    """Where the windows of a sliding-window op lie along each spatial axis.

    ``begin``/``end`` are the zeros (or -inf) to add around the input so that every window lies
    inside; ``explicit_end`` is the end padding the attributes asked for, without the extra that
    ceil_mode may need to complete the last window (averages must not count that extra).
    """

    in_shape: tuple
    kernel: tuple
    strides: tuple
    dilations: tuple
    out_shape: tuple
    begin: tuple
    end: tuple
    explicit_end: tuple

    @property
    def padded(self) -> bool:
        return any(self.begin) or any(self.end)

    def offsets(self):
        """Yield (kernel offset, slices into the padded input) for each position in the kernel.

        The slice picks, for every output position, the input element under that kernel offset,
        so a window reduction is a loop of whole-tensor operations over the few kernel offsets.
        """
        for offset in product(*(range(k) for k in self.kernel)):
            yield offset, (slice(None), slice(None)) + tuple(
                slice(o * d, o * d + s * (n - 1) + 1, s)
                for o, d, s, n in zip(offset, self.dilations, self.strides, self.out_shape)
            )


def _check_kernel(kernel_shape, rank: int) -> list[int]:
    if kernel_shape is None:
        raise ValueError("kernel_shape attribute is required")
    kernel = [int(k) for k in kernel_shape]
    if len(kernel) != rank:
        raise ValueError(f"kernel_shape {kernel} must have one value per spatial axis ({rank})")
    if any(k < 1 for k in kernel):
        raise ValueError(f"kernel_shape must be positive, got {kernel}")
    return kernel


def geometry(
    in_shape,
    kernel_shape,
    *,
    strides=None,
    dilations=None,
    pads=None,
    auto_pad: str = "NOTSET",
    ceil_mode: int = 0,
) -> Geometry:
    """Output size and padding of a sliding-window op over spatial ``in_shape``.

    Explicit pads: out = floor_or_ceil((in + pad_begin + pad_end - dilated_kernel) / stride) + 1,
    where with ceil_mode the last window must still start inside the input or its begin padding.
    SAME_*: out = ceil(in / stride), padding split evenly, the odd one at the end (UPPER) or the
    beginning (LOWER). VALID: no padding.
    """
    in_shape = tuple(int(v) for v in in_shape)
    rank = len(in_shape)
    kernel = _check_kernel(kernel_shape, rank)
    strides = spatial_list(strides, rank, 1, "strides")
    dilations = spatial_list(dilations, rank, 1, "dilations")
    auto_pad = check_auto_pad(auto_pad)
    dilated = [(k - 1) * d + 1 for k, d in zip(kernel, dilations)]

    if auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        out = [-(-n // s) for n, s in zip(in_shape, strides)]
        total = [max(0, (o - 1) * s + dk - n) for o, s, dk, n in zip(out, strides, dilated, in_shape)]
        small = [t // 2 for t in total]
        big = [t - t // 2 for t in total]
        begin, end = (small, big) if auto_pad == "SAME_UPPER" else (big, small)
    else:
        if auto_pad == "VALID" or pads is None or len(pads) == 0:
            begin, end = [0] * rank, [0] * rank
        else:
            pads = [int(p) for p in pads]
            if len(pads) != 2 * rank:
                raise ValueError(f"pads {pads} must have two values per spatial axis ({2 * rank})")
            if any(p < 0 for p in pads):
                raise ValueError(f"pads must not be negative, got {pads}")
            begin, end = pads[:rank], pads[rank:]
        out = []
        for n, b, e, dk, s in zip(in_shape, begin, end, dilated, strides):
            span = n + b + e - dk
            if ceil_mode:
                o = -(-span // s) + 1
                # The last window must start inside the input or its begin padding.
                if (o - 1) * s >= n + b:
                    o -= 1
            else:
                o = span // s + 1
            out.append(o)
    if any(o < 1 for o in out) and all(n > 0 for n in in_shape):
        raise ValueError(
            f"input spatial shape {list(in_shape)} is too small for kernel {kernel} "
            f"(dilations {dilations}, pads {list(begin) + list(end)}): output shape would be {out}"
        )
    out = [max(o, 0) for o in out]
    # Pad the end further where ceil_mode's last window runs past the explicit padding.
    needed = [(o - 1) * s + dk - n - b for o, s, dk, n, b in zip(out, strides, dilated, in_shape, begin)]
    full_end = [max(e, nd) for e, nd in zip(end, needed)]
    return Geometry(
        in_shape=in_shape,
        kernel=tuple(kernel),
        strides=tuple(strides),
        dilations=tuple(dilations),
        out_shape=tuple(out),
        begin=tuple(begin),
        end=tuple(full_end),
        explicit_end=tuple(end),
    )


def pad_spatial(x: np.ndarray, begin, end, value=0) -> np.ndarray:
    """``x`` (N, C, *spatial) with ``value`` added before/after each spatial axis."""
    if not any(begin) and not any(end):
        return x
    shape = x.shape[:2] + tuple(n + b + e for n, b, e in zip(x.shape[2:], begin, end))
    out = np.full(shape, value, dtype=x.dtype)
    out[(slice(None), slice(None)) + tuple(slice(b, b + n) for b, n in zip(begin, x.shape[2:]))] = x
    return out


def windows(xp: np.ndarray, geo: Geometry) -> np.ndarray:
    """A read-only view of shape (N, C, *kernel, *out) over padded ``xp``: no copy is made.

    Kernel axes come before output axes, so that reshaping to (N, C*prod(kernel), prod(out))
    lines rows up with a weight tensor reshaped to (M, C*prod(kernel)).
    """
    spatial = xp.strides[2:]
    shape = xp.shape[:2] + geo.kernel + geo.out_shape
    strides = (
        xp.strides[:2]
        + tuple(st * d for st, d in zip(spatial, geo.dilations))
        + tuple(st * s for st, s in zip(spatial, geo.strides))
    )
    return as_strided(xp, shape=shape, strides=strides, writeable=False)


def window_counts(geo: Geometry, include_pad: bool) -> np.ndarray:
    """How many elements each window covers: inside the input, or also inside the explicit pads.

    The count is a product over spatial axes of 1-D counts, so it costs O(sum of output sizes).
    """
    counts = np.ones((), dtype=np.int64)
    for n, k, s, d, o, b, e in zip(
        geo.in_shape, geo.kernel, geo.strides, geo.dilations, geo.out_shape, geo.begin, geo.explicit_end
    ):
        # Position of each kernel tap relative to the unpadded input, for every output index.
        pos = np.arange(o)[:, None] * s - b + np.arange(k)[None, :] * d
        lo, hi = (-b, n + e) if include_pad else (0, n)
        c = ((pos >= lo) & (pos < hi)).sum(axis=1)
        counts = np.multiply.outer(counts, c)
    return counts


def flat_input_index(geo: Geometry, offset, column_major: bool) -> np.ndarray:
    """For each output position, the flat spatial index of the input under kernel ``offset``.

    Row-major is C order over the input's spatial axes; column-major reverses which axis varies
    fastest (MaxPool's storage_order=1).
    """
    rank = len(geo.in_shape)
    index = np.zeros(geo.out_shape, dtype=np.int64)
    for axis in range(rank):
        if column_major:
            step = math.prod(geo.in_shape[:axis])
        else:
            step = math.prod(geo.in_shape[axis + 1 :])
        pos = (
            np.arange(geo.out_shape[axis], dtype=np.int64) * geo.strides[axis]
            - geo.begin[axis]
            + offset[axis] * geo.dilations[axis]
        )
        shape = [1] * rank
        shape[axis] = -1
        index = index + (pos * step).reshape(shape)
    return index


def lowest(dtype: np.dtype):
    """The value below every other of ``dtype``: pads for a max never win."""
    dtype = np.dtype(dtype)
    if dtype.kind in "iu":
        return np.iinfo(dtype).min
    return -np.inf
