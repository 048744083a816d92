"""Slice: per-axis start/end/step, clamped to the dimension as the ONNX spec describes."""

from __future__ import annotations

from refrt.registry import kernel

from ._tensor_util import int_list, normalize_axes


def _bounds(start: int, end: int, step: int, dim: int) -> slice:
    """The Python slice equal to ONNX's clamping rules (which differ for negative steps)."""
    if step == 0:
        raise ValueError("Slice: steps may not be 0")
    start = start + dim if start < 0 else start
    end = end + dim if end < 0 else end
    if step > 0:
        start = min(max(start, 0), dim)
        end = min(max(end, 0), dim)
    else:
        start = min(max(start, 0), dim - 1)
        end = min(max(end, -1), dim - 1)
    # A clamped end of -1 (negative step) means "through index 0", which Python spells None.
    return slice(start, None if end < 0 else end, step)


def _slice(data, starts, ends, axes, steps):
    if len(starts) != len(ends):
        raise ValueError(f"Slice: starts {starts} and ends {ends} differ in length")
    axes = list(range(len(starts))) if axes is None else axes
    steps = [1] * len(starts) if steps is None else steps
    if not len(axes) == len(steps) == len(starts):
        raise ValueError(
            f"Slice: starts, ends, axes and steps differ in length "
            f"({len(starts)}, {len(ends)}, {len(axes)}, {len(steps)})"
        )
    axes = normalize_axes(axes, data.ndim, "Slice axes")
    index = [slice(None)] * data.ndim
    for axis, start, end, step in zip(axes, starts, ends, steps):
        index[axis] = _bounds(start, end, step, data.shape[axis])
    return data[tuple(index)]


@kernel("Slice", since=1, until=9)
def slice_1(data, *, axes=None, ends=None, starts=None):
    if starts is None or ends is None:
        raise ValueError("Slice-1 needs the 'starts' and 'ends' attributes")
    return _slice(data, [int(s) for s in starts], [int(e) for e in ends],
                  None if axes is None else [int(a) for a in axes], None)


@kernel("Slice", since=10)
def slice_10(data, starts, ends, axes=None, steps=None):
    return _slice(
        data,
        int_list(starts, "Slice starts"),
        int_list(ends, "Slice ends"),
        None if axes is None else int_list(axes, "Slice axes"),
        None if steps is None else int_list(steps, "Slice steps"),
    )
