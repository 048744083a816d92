"""Pad: add (or, with negative pads, remove) elements at both ends of each axis.

``pads`` is [x1_begin, x2_begin, ..., x1_end, x2_end, ...]. Negative pads crop first; the
remaining positive pads are then filled by ``mode``: constant, reflect, edge or wrap (19+).
"""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._tensor_util import check_allocation, int_list, normalize_axes, scalar_of

def _pad(data, pads: list[int], mode: str, value, axes: list[int] | None, modes: tuple[str, ...]):
    if mode not in modes:
        raise ValueError(f"Pad: unsupported mode '{mode}' (expected one of {', '.join(modes)})")
    rank = data.ndim
    axes = list(range(rank)) if axes is None else normalize_axes(axes, rank, "Pad axes")
    if len(pads) != 2 * len(axes):
        raise ValueError(f"Pad: {len(pads)} pads for {len(axes)} axes (expected {2 * len(axes)})")
    begin, end = [0] * rank, [0] * rank
    for i, a in enumerate(axes):
        begin[a], end[a] = pads[i], pads[i + len(axes)]
    # Negative pads remove elements; crop first so the fill modes see the cropped tensor.
    crop = tuple(slice(-min(b, 0), data.shape[a] + min(e, 0)) for a, (b, e) in enumerate(zip(begin, end)))
    for a, (b, e) in enumerate(zip(begin, end)):
        if data.shape[a] + min(b, 0) + min(e, 0) < 0:
            raise ValueError(f"Pad: pads ({b}, {e}) remove more than the {data.shape[a]} elements of axis {a}")
    data = data[crop]
    widths = [(max(b, 0), max(e, 0)) for b, e in zip(begin, end)]
    check_allocation([d + b + e for d, (b, e) in zip(data.shape, widths)], data.dtype, "Pad output")
    if not any(b or e for b, e in widths):
        return data.copy()
    if mode == "constant":
        if value is None:
            value = "" if data.dtype == object else 0  # strings pad with the empty string
        if data.dtype == object:
            fill = np.asarray(value).astype(data.dtype)
        else:  # a Python scalar of data's type, wherever the value lives (a device array on the CUDA provider)
            fill = (value if hasattr(value, "astype") else np.asarray(value)).astype(data.dtype).reshape(-1)[0].item()
        return np.pad(data, widths, mode="constant", constant_values=fill)
    for a, (b, e) in enumerate(widths):
        if (b or e) and data.shape[a] == 0:
            raise ValueError(f"Pad: mode '{mode}' cannot pad axis {a}, which is empty")
        if mode == "reflect" and max(b, e) >= data.shape[a]:
            # onnxruntime refuses to reflect further than the axis is long
            raise ValueError(
                f"Pad: reflect pads ({b}, {e}) must be smaller than the dimension {data.shape[a]} of axis {a}"
            )
    return np.pad(data, widths, mode=mode)  # numpy's modes of the same names


@kernel("Pad", since=1, until=1)
def pad_1(data, *, mode="constant", paddings=None, value=0.0):
    if paddings is None:
        raise ValueError("Pad-1 needs the 'paddings' attribute")
    return _pad(data, [int(p) for p in paddings], mode, value, None, ("constant", "reflect", "edge"))


@kernel("Pad", since=2, until=10)
def pad_2(data, *, mode="constant", pads=None, value=0.0):
    if pads is None:
        raise ValueError("Pad-2 needs the 'pads' attribute")
    return _pad(data, [int(p) for p in pads], mode, value, None, ("constant", "reflect", "edge"))


def _constant(constant_value):
    return None if constant_value is None else scalar_of(constant_value, "Pad constant_value")


@kernel("Pad", since=11, until=17)
def pad_11(data, pads, constant_value=None, *, mode="constant"):
    return _pad(data, int_list(pads, "Pad pads"), mode, _constant(constant_value), None,
                ("constant", "reflect", "edge"))


@kernel("Pad", since=18, until=18)
def pad_18(data, pads, constant_value=None, axes=None, *, mode="constant"):
    return _pad(data, int_list(pads, "Pad pads"), mode, _constant(constant_value),
                None if axes is None else int_list(axes, "Pad axes"), ("constant", "reflect", "edge"))


@kernel("Pad", since=19)
def pad_19(data, pads, constant_value=None, axes=None, *, mode="constant"):
    return _pad(data, int_list(pads, "Pad pads"), mode, _constant(constant_value),
                None if axes is None else int_list(axes, "Pad axes"), ("constant", "reflect", "edge", "wrap"))
