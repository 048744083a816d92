"""Resize: nearest / linear / cubic resampling of any axes (the arithmetic lives in _resize_util)."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._resize_util import COORDINATE_MODES_11, COORDINATE_MODES_13, COORDINATE_MODES_19, NEAREST_MODES, resize


def _present(t):
    """An optional scales/sizes input counts only when it holds values (an empty one is a placeholder)."""
    return None if t is None or np.asarray(t).size == 0 else t


def _check(coordinate_transformation_mode, allowed, nearest_mode):
    if coordinate_transformation_mode not in allowed:
        raise ValueError(
            f"Resize: unsupported coordinate_transformation_mode '{coordinate_transformation_mode}' "
            f"(expected one of {', '.join(allowed)})"
        )
    if nearest_mode not in NEAREST_MODES:
        raise ValueError(f"Resize: unsupported nearest_mode '{nearest_mode}' (expected one of {', '.join(NEAREST_MODES)})")


@kernel("Resize", since=10, until=10)
def resize_10(x, scales, *, mode="nearest"):
    # Revision 10: asymmetric coordinates and the legacy nearest rule (ceil when shrinking, else floor).
    if mode == "cubic":
        raise ValueError("Resize-10 supports modes nearest and linear only")
    return resize(x, scales, None, None, mode=mode, coordinate_mode="asymmetric", nearest_mode=None)


@kernel("Resize", since=11, until=12)
def resize_11(x, roi, scales, sizes=None, *, coordinate_transformation_mode="half_pixel", cubic_coeff_a=-0.75,
              exclude_outside=0, extrapolation_value=0.0, mode="nearest", nearest_mode="round_prefer_floor"):
    _check(coordinate_transformation_mode, COORDINATE_MODES_11, nearest_mode)
    return resize(x, _present(scales), _present(sizes), roi, mode=mode,
                  coordinate_mode=coordinate_transformation_mode, nearest_mode=nearest_mode,
                  cubic_coeff_a=cubic_coeff_a, exclude_outside=exclude_outside,
                  extrapolation_value=extrapolation_value)


@kernel("Resize", since=13, until=17)
def resize_13(x, roi=None, scales=None, sizes=None, *, coordinate_transformation_mode="half_pixel",
              cubic_coeff_a=-0.75, exclude_outside=0, extrapolation_value=0.0, mode="nearest",
              nearest_mode="round_prefer_floor"):
    _check(coordinate_transformation_mode, COORDINATE_MODES_13, nearest_mode)
    return resize(x, _present(scales), _present(sizes), roi, mode=mode,
                  coordinate_mode=coordinate_transformation_mode, nearest_mode=nearest_mode,
                  cubic_coeff_a=cubic_coeff_a, exclude_outside=exclude_outside,
                  extrapolation_value=extrapolation_value)


def _resize_18(x, roi, scales, sizes, allowed, *, antialias, axes, coordinate_transformation_mode, cubic_coeff_a,
               exclude_outside, extrapolation_value, keep_aspect_ratio_policy, mode, nearest_mode):
    _check(coordinate_transformation_mode, allowed, nearest_mode)
    return resize(x, _present(scales), _present(sizes), roi, mode=mode,
                  coordinate_mode=coordinate_transformation_mode, nearest_mode=nearest_mode,
                  cubic_coeff_a=cubic_coeff_a, exclude_outside=exclude_outside,
                  extrapolation_value=extrapolation_value, antialias=antialias,
                  axes=None if axes is None else [int(a) for a in axes],
                  keep_aspect_ratio_policy=keep_aspect_ratio_policy)


@kernel("Resize", since=18, until=18)
def resize_18(x, roi=None, scales=None, sizes=None, *, antialias=0, axes=None,
              coordinate_transformation_mode="half_pixel", cubic_coeff_a=-0.75, exclude_outside=0,
              extrapolation_value=0.0, keep_aspect_ratio_policy="stretch", mode="nearest",
              nearest_mode="round_prefer_floor"):
    return _resize_18(x, roi, scales, sizes, COORDINATE_MODES_13, antialias=antialias, axes=axes,
                      coordinate_transformation_mode=coordinate_transformation_mode, cubic_coeff_a=cubic_coeff_a,
                      exclude_outside=exclude_outside, extrapolation_value=extrapolation_value,
                      keep_aspect_ratio_policy=keep_aspect_ratio_policy, mode=mode, nearest_mode=nearest_mode)


@kernel("Resize", since=19)
def resize_19(x, roi=None, scales=None, sizes=None, *, antialias=0, axes=None,
              coordinate_transformation_mode="half_pixel", cubic_coeff_a=-0.75, exclude_outside=0,
              extrapolation_value=0.0, keep_aspect_ratio_policy="stretch", mode="nearest",
              nearest_mode="round_prefer_floor"):
    # Revision 19 adds the half_pixel_symmetric coordinate mode.
    return _resize_18(x, roi, scales, sizes, COORDINATE_MODES_19, antialias=antialias, axes=axes,
                      coordinate_transformation_mode=coordinate_transformation_mode, cubic_coeff_a=cubic_coeff_a,
                      exclude_outside=exclude_outside, extrapolation_value=extrapolation_value,
                      keep_aspect_ratio_policy=keep_aspect_ratio_policy, mode=mode, nearest_mode=nearest_mode)
