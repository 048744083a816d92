"""Resize (revisions 10, 11, 13, 18, 19) and Upsample (1, 7, 9) against onnxruntime.

onnxruntime implements linear only for 2-D/3-D inputs and bilinear/trilinear layouts of 4-D/5-D,
cubic only for 2-D and 4-D float inputs, and no float64: those cases are checked against
NumPy expectations (or refrt's own float32 result) instead.
"""

from __future__ import annotations

import numpy as np
import pytest
from onnx import helper

import refrt
from oracle import check_node, feeds_of, make_node_model, run_refrt

rng = np.random.default_rng(5)
f32 = lambda *v: np.array(v, dtype=np.float32)  # noqa: E731
i64 = lambda *v: np.array(v, dtype=np.int64)  # noqa: E731
X4 = rng.standard_normal((2, 3, 5, 7)).astype(np.float32)
TOL = {"rtol": 1e-5, "atol": 1e-5}

COORDINATE_MODES = ["half_pixel", "asymmetric", "pytorch_half_pixel", "align_corners", "tf_crop_and_resize"]
NEAREST_MODES = ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"]
SCALES = [f32(1, 1, 2, 3), f32(1, 1, 0.5, 0.4), f32(1, 1, 1.5, 0.75), f32(1, 1, 0.8, 2.6)]
SIZES = [i64(2, 3, 9, 4), i64(2, 3, 3, 11), i64(2, 3, 1, 1), i64(2, 3, 5, 13)]


def check_resize(inputs, attrs, *, opset, **tol):
    """Resize against onnxruntime, except align_corners with scales whose resized length in*scale
    is not whole: the spec stretches over that unrounded length (onnx/onnx#2462: intended), while
    onnxruntime uses the floored output length; there the spec's reference evaluator is the oracle."""
    scales = inputs.get("scales")
    axes = attrs.get("axes") or range(inputs["x"].ndim)
    fractional = (
        attrs.get("coordinate_transformation_mode") == "align_corners" and scales is not None and scales.size
        and any(not float(np.float32(inputs["x"].shape[a] * s)).is_integer() for a, s in zip(axes, scales))
    )
    if not fractional:
        return check_node("Resize", inputs, attrs, opset=opset, **tol)
    from onnx.reference import ReferenceEvaluator

    model = make_node_model("Resize", inputs, attrs, opset=opset)
    feeds = feeds_of(inputs)
    (expected,) = ReferenceEvaluator(model).run(None, feeds)
    (got,) = run_refrt(model, feeds)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=tol.get("rtol", 1e-5), atol=tol.get("atol", 1e-6))


def refrt_only(op, inputs, attrs=None, *, opset):
    model = make_node_model(op, inputs, attrs, opset=opset)
    out = model.graph.output[0]
    if not out.type.HasField("tensor_type"):  # Upsample-1 has no type inference
        out.type.tensor_type.elem_type = helper.np_dtype_to_tensor_dtype(inputs["x"].dtype)
    return run_refrt(model, feeds_of(inputs))


def roi_for(mode, scales_given=True):
    return f32(0, 0, 0.1, -0.2, 1, 1, 0.8, 1.3) if mode == "tf_crop_and_resize" else None


# ---------------------------------------------------------------- Resize-10

@pytest.mark.parametrize("mode", ["nearest", "linear"])
@pytest.mark.parametrize("scales", SCALES + [f32(1, 1, 0.6, 1.0)])
def test_resize_10(mode, scales):
    check_node("Resize", {"x": X4, "scales": scales}, {"mode": mode}, opset=10, **TOL)


# ---------------------------------------------------------------- Resize-11 / 13 / 19, nearest

@pytest.mark.parametrize("opset", [11, 13, 19])
@pytest.mark.parametrize("coord", COORDINATE_MODES + ["tf_half_pixel_for_nn", "half_pixel_symmetric"])
@pytest.mark.parametrize("nearest_mode", NEAREST_MODES)
def test_resize_nearest(opset, coord, nearest_mode):
    if coord == "tf_half_pixel_for_nn" and opset != 11 or coord == "half_pixel_symmetric" and opset < 19:
        pytest.skip("coordinate mode not in this revision")
    attrs = {"mode": "nearest", "coordinate_transformation_mode": coord, "nearest_mode": nearest_mode,
             "extrapolation_value": -9.0}
    for scales in SCALES:
        roi = roi_for(coord)
        if opset == 11 and roi is None:
            roi = f32()
        check_resize({"x": X4, "roi": roi, "scales": scales}, attrs, opset=opset)
    for sizes in SIZES:
        roi = roi_for(coord)
        if opset == 11:  # roi and scales are required inputs there: empty ones stand for "absent"
            inputs = {"x": X4, "roi": f32() if roi is None else roi, "scales": f32(), "sizes": sizes}
        else:
            inputs = {"x": X4, "roi": roi, "scales": None, "sizes": sizes}
        check_node("Resize", inputs, attrs, opset=opset)


def test_resize_nearest_ties_within_float_error():
    # 7 -> 4 (asymmetric) puts output 2 at 3.4999998 in float32: onnxruntime calls that a tie.
    x = np.arange(28, dtype=np.float32).reshape(1, 28)
    for n_out in (4, 8, 9, 18):
        for nearest_mode in ("round_prefer_ceil", "round_prefer_floor"):
            for coord in ("asymmetric", "half_pixel"):
                check_node("Resize", {"x": x[:, :7], "roi": None, "scales": None, "sizes": i64(1, n_out)},
                           {"coordinate_transformation_mode": coord, "nearest_mode": nearest_mode}, opset=13)
                check_node("Resize", {"x": x, "roi": None, "scales": None, "sizes": i64(1, n_out)},
                           {"coordinate_transformation_mode": coord, "nearest_mode": nearest_mode}, opset=13)


# ---------------------------------------------------------------- linear / cubic

@pytest.mark.parametrize("opset", [11, 13, 18, 19])
@pytest.mark.parametrize("mode", ["linear", "cubic"])
@pytest.mark.parametrize("coord", COORDINATE_MODES + ["half_pixel_symmetric"])
def test_resize_interpolating(opset, mode, coord):
    if coord == "half_pixel_symmetric" and opset < 19:
        pytest.skip("coordinate mode not in this revision")
    attrs = {"mode": mode, "coordinate_transformation_mode": coord, "extrapolation_value": 2.5}
    for scales in SCALES:
        roi = roi_for(coord)
        inputs = {"x": X4, "roi": f32() if roi is None and opset == 11 else roi, "scales": scales}
        check_resize(inputs, attrs, opset=opset, **TOL)
    for sizes in SIZES[:2]:
        roi = roi_for(coord)
        inputs = {"x": X4, "roi": f32() if roi is None and opset == 11 else roi,
                  "scales": f32() if opset == 11 else None, "sizes": sizes}
        check_node("Resize", inputs, attrs, opset=opset, **TOL)


@pytest.mark.parametrize("a", [-0.75, -0.5])
@pytest.mark.parametrize("exclude_outside", [0, 1])
def test_resize_cubic_coefficients(a, exclude_outside):
    attrs = {"mode": "cubic", "cubic_coeff_a": a, "exclude_outside": exclude_outside}
    for scales in SCALES:
        check_node("Resize", {"x": X4, "roi": None, "scales": scales}, attrs, opset=13, **TOL)


@pytest.mark.parametrize("shape, scales", [((5, 6), f32(0.5, 1.7)), ((3, 4, 5), f32(1.5, 0.5, 2)),
                                           ((1, 2, 3, 4, 5), f32(1, 1, 1.5, 0.6, 2)), ((2, 6, 5, 3), f32(1, 0.5, 1.7, 1))])
def test_resize_linear_layouts(shape, scales):
    x = rng.standard_normal(shape).astype(np.float32)
    check_node("Resize", {"x": x, "roi": None, "scales": scales}, {"mode": "linear"}, opset=13, **TOL)


# ---------------------------------------------------------------- opset 18: antialias, axes, aspect ratio

@pytest.mark.parametrize("opset", [18, 19])
@pytest.mark.parametrize("mode", ["linear", "cubic"])
@pytest.mark.parametrize("exclude_outside", [0, 1])
@pytest.mark.parametrize("coord", ["half_pixel", "align_corners", "asymmetric", "pytorch_half_pixel"])
def test_resize_antialias(opset, mode, exclude_outside, coord):
    attrs = {"mode": mode, "antialias": 1, "exclude_outside": exclude_outside, "coordinate_transformation_mode": coord}
    for scales in SCALES:
        check_resize({"x": X4, "roi": None, "scales": scales}, attrs, opset=opset, **TOL)


@pytest.mark.parametrize("mode", ["nearest", "linear", "cubic"])
@pytest.mark.parametrize("policy", ["stretch", "not_larger", "not_smaller"])
@pytest.mark.parametrize("axes, sizes", [([2, 3], (9, 4)), ([3, 2], (4, 9)), ([3], (12,))])
def test_resize_axes_and_aspect_ratio(mode, policy, axes, sizes):
    attrs = {"mode": mode, "axes": axes, "keep_aspect_ratio_policy": policy}
    check_node("Resize", {"x": X4, "roi": None, "scales": None, "sizes": i64(*sizes)}, attrs, opset=18, **TOL)


@pytest.mark.parametrize("mode", ["nearest", "linear"])
def test_resize_axes_with_scales_and_roi(mode):
    check_node("Resize", {"x": X4, "roi": None, "scales": f32(2.5, 0.5)}, {"mode": mode, "axes": [3, 2]}, opset=18)
    check_node("Resize", {"x": X4, "roi": None, "scales": f32(1.5)}, {"mode": mode, "axes": [-1]}, opset=19)
    check_node("Resize", {"x": X4, "roi": f32(0.2, 0.1, 0.9, 0.8), "scales": f32(2.5, 0.5)},
               {"mode": mode, "axes": [3, 2], "coordinate_transformation_mode": "tf_crop_and_resize"}, opset=18)


def test_resize_negative_axes_with_aspect_ratio_policy():
    # onnxruntime ignores negative axes under keep_aspect_ratio_policy (the output keeps the input's
    # shape); the spec allows them, so refrt resizes as with the equivalent non-negative axes.
    attrs = {"axes": [-1, -2], "keep_aspect_ratio_policy": "not_larger"}
    (y,) = refrt_only("Resize", {"x": X4, "roi": None, "scales": None, "sizes": i64(4, 9)}, attrs, opset=18)
    (z,) = refrt_only("Resize", {"x": X4, "roi": None, "scales": None, "sizes": i64(4, 9)},
                      {"axes": [3, 2], "keep_aspect_ratio_policy": "not_larger"}, opset=18)
    np.testing.assert_array_equal(y, z)
    assert y.shape == (2, 3, 3, 4)


# ---------------------------------------------------------------- element types

@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int32])
@pytest.mark.parametrize("mode, antialias", [("nearest", 0), ("linear", 0), ("linear", 1), ("cubic", 1)])
@pytest.mark.parametrize("scales", [f32(1, 1, 0.5, 0.6), f32(1, 1, 1.7, 2.2), f32(1, 1, 0.3, 0.7)])
def test_resize_integer_types(dtype, mode, antialias, scales):
    if dtype == np.int8 and mode == "cubic":
        pytest.skip("onnxruntime clips int8 antialias passes to [0, 255] (see the report); refrt clips to int8")
    x = (rng.random((1, 2, 6, 7)) * 100).astype(dtype)
    check_node("Resize", {"x": x, "roi": None, "scales": scales}, {"mode": mode, "antialias": antialias}, opset=19)


@pytest.mark.parametrize("dtype", [np.uint8, np.int8])
def test_resize_integer_nhwc_fixed_point(dtype):
    # onnxruntime's 8-bit NHWC bilinear path uses 10-bit fixed-point weights.
    x = (rng.random((1, 6, 7, 3)) * 100).astype(dtype)
    for scales in (f32(1, 0.5, 1.7, 1), f32(1, 1.7, 2.2, 1), f32(1, 2, 0.6, 1)):
        check_node("Resize", {"x": x, "roi": None, "scales": scales}, {"mode": "linear"}, opset=19)
        # align_corners with sizes: the same semantics in both runtimes (see check_resize)
        sizes = np.floor(np.array(x.shape, np.float32) * scales).astype(np.int64)
        check_node("Resize", {"x": x, "roi": f32(), "scales": f32(), "sizes": sizes},
                   {"mode": "linear", "coordinate_transformation_mode": "align_corners"}, opset=11)


def test_resize_float64_and_1d_match_the_float32_reference():
    # onnxruntime has no float64 Resize, nor linear for 1-D inputs.
    for attrs in ({"mode": "linear"}, {"mode": "cubic"}, {"mode": "linear", "antialias": 1}):
        (y32,) = refrt_only("Resize", {"x": X4, "roi": None, "scales": SCALES[2]}, attrs, opset=19)
        (y64,) = refrt_only("Resize", {"x": X4.astype(np.float64), "roi": None, "scales": SCALES[2]}, attrs, opset=19)
        assert y64.dtype == np.float64
        np.testing.assert_allclose(y64, y32, rtol=1e-5, atol=1e-5)
    x = np.array([0.0, 10.0, 20.0, 40.0], np.float32)
    (y,) = refrt_only("Resize", {"x": x, "roi": None, "scales": f32(2)}, {"mode": "linear"}, opset=13)
    np.testing.assert_allclose(y, [0, 2.5, 7.5, 12.5, 17.5, 25, 35, 40])


# ---------------------------------------------------------------- errors and edge cases

def test_resize_same_shape_is_a_copy():
    check_node("Resize", {"x": X4, "roi": None, "scales": f32(1, 1, 1.1, 1.1)}, {"mode": "linear"}, opset=13)
    check_node("Resize", {"x": X4, "roi": f32(0, 0, 0.2, 0.2, 1, 1, 0.5, 0.5), "scales": None, "sizes": i64(*X4.shape)},
               {"mode": "linear", "coordinate_transformation_mode": "tf_crop_and_resize"}, opset=13)


def test_resize_needs_exactly_one_of_scales_and_sizes():
    inputs = {"x": X4, "roi": f32(), "scales": f32(), "sizes": i64()}
    with pytest.raises(refrt.Fail, match="exactly one"):
        run_refrt(make_node_model("Resize", inputs, opset=11), feeds_of(inputs))


def test_resize_exclude_outside_needs_cubic():
    with pytest.raises(refrt.Fail, match="exclude_outside"):
        refrt_only("Resize", {"x": X4, "roi": None, "scales": SCALES[0]}, {"exclude_outside": 1}, opset=13)


# ---------------------------------------------------------------- Upsample

@pytest.mark.parametrize("mode", ["nearest", "linear"])
@pytest.mark.parametrize("scales", [[1.0, 1.0, 2.0, 3.0], [1.0, 1.0, 1.5, 2.5], [1.0, 1.0, 1.0, 1.0]])
def test_upsample_7(mode, scales):
    check_node("Upsample", {"x": X4}, {"mode": mode, "scales": scales}, opset=7, **TOL)


@pytest.mark.parametrize("mode", ["nearest", "linear"])
@pytest.mark.parametrize("scales", [f32(1, 1, 2, 3), f32(1, 1, 1.5, 2.5), f32(1, 1, 3, 1)])
def test_upsample_9(mode, scales):
    check_node("Upsample", {"x": X4, "scales": scales}, {"mode": mode}, opset=9, **TOL)


def test_upsample_9_types():
    for dtype in (np.uint8, np.int32):
        x = (rng.random((1, 2, 3, 4)) * 100).astype(dtype)
        check_node("Upsample", {"x": x, "scales": f32(1, 1, 2, 1.5)}, {"mode": "nearest"}, opset=9)
        check_node("Upsample", {"x": x, "scales": f32(1, 1, 2, 1.5)}, {"mode": "linear"}, opset=9)


def test_upsample_1():
    # Upsample-1 (height_scale / width_scale, "bilinear") is not in onnxruntime.
    x = np.array([[[[1, 2], [3, 4]]]], np.float32)
    (y,) = refrt_only("Upsample", {"x": x}, {"height_scale": 2.0, "width_scale": 2.0}, opset=1)
    np.testing.assert_array_equal(y, x.repeat(2, axis=2).repeat(2, axis=3))
    (y,) = refrt_only("Upsample", {"x": x}, {"height_scale": 1.0, "width_scale": 2.0, "mode": "bilinear"}, opset=1)
    np.testing.assert_allclose(y[0, 0], [[1, 1.5, 2, 2], [3, 3.5, 4, 4]])


def test_upsample_scale_below_one_fails():
    with pytest.raises(refrt.Fail, match=">= 1"):
        refrt_only("Upsample", {"x": X4, "scales": f32(1, 1, 0.5, 1)}, opset=9)
