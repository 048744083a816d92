"""Detection, sampling and signal kernels agree with onnxruntime, one node at a time.

Where onnxruntime has no kernel for a revision or a type (RoiAlign-22, float16 RoiAlign) the
expectation is onnxruntime's answer at a revision or type it has; where onnxruntime departs from
the spec (inverse one-sided DFT whose input holds more or fewer bins than dft_length needs) the
expectation is NumPy's; each such test says why.
"""

from __future__ import annotations

import numpy as np
import pytest

from oracle import assert_same, check_node, feeds_of, make_node_model, run_ort, run_refrt

RNG = np.random.default_rng(77)


def rand(*shape, dtype=np.float32, scale=1.0):
    return (scale * RNG.standard_normal(shape)).astype(dtype)


def scalar(value, dtype=np.int64):
    return np.array(value, dtype)


def check_against_opset(op, inputs, attrs, *, opset, ort_opset, n_outputs=1, rtol=1e-5, atol=1e-6):
    """refrt at ``opset`` against onnxruntime running the same node at ``ort_opset``."""
    got = run_refrt(make_node_model(op, inputs, attrs, opset=opset, n_outputs=n_outputs), feeds_of(inputs))
    expected = run_ort(make_node_model(op, inputs, attrs, opset=ort_opset, n_outputs=n_outputs), feeds_of(inputs))
    assert_same(expected, got, rtol, atol)
    return got


# ----------------------------------------------------------------------------------------------
# NonMaxSuppression


def nms_boxes(batches, n, center=False):
    xy = RNG.uniform(0, 10, (batches, n, 2))
    wh = RNG.uniform(0.5, 4, (batches, n, 2))
    if center:
        return np.concatenate([xy, wh], axis=2).astype(np.float32)
    # [y1, x1, y2, x2], some boxes given by their other diagonal
    boxes = np.concatenate([xy[..., ::-1], (xy + wh)[..., ::-1]], axis=2)
    flip = RNG.random((batches, n)) < 0.3
    boxes[flip] = boxes[flip][:, [2, 3, 0, 1]]
    return boxes.astype(np.float32)


NMS_CASES = [
    # (batches, classes, boxes, max_out, iou, score_thr, center)
    (1, 1, 12, 5, 0.5, None, 0),
    (2, 3, 20, 4, 0.3, 0.0, 0),
    (1, 2, 15, 100, 0.6, 0.5, 1),
    (3, 1, 10, 10, 0.0, None, 0),
    (1, 1, 10, 3, 1.0, -1.0, 0),
    (2, 2, 8, 0, 0.5, None, 0),
    (1, 1, 0, 5, 0.5, None, 0),
]


@pytest.mark.parametrize("case", NMS_CASES, ids=[str(i) for i in range(len(NMS_CASES))])
@pytest.mark.parametrize("opset", [10, 11])
def test_non_max_suppression(case, opset):
    batches, classes, n, max_out, iou, score_thr, center = case
    inputs = {
        "boxes": nms_boxes(batches, n, center=bool(center)),
        "scores": RNG.random((batches, classes, n)).astype(np.float32),
        "max_output_boxes_per_class": scalar(max_out),
        "iou_threshold": scalar(iou, np.float32),
        "score_threshold": None if score_thr is None else scalar(score_thr, np.float32),
    }
    check_node("NonMaxSuppression", inputs, {"center_point_box": center}, opset=opset)


def test_non_max_suppression_ties_and_identical_boxes():
    boxes = np.tile(np.array([[0, 0, 1, 1]], np.float32), (1, 6, 1))
    scores = np.array([[[0.9, 0.9, 0.8, 0.9, 0.1, 0.8]]], np.float32)
    inputs = {"boxes": boxes, "scores": scores, "max_output_boxes_per_class": scalar(6),
              "iou_threshold": scalar(0.5, np.float32)}
    got = check_node("NonMaxSuppression", inputs, {}, opset=11)
    assert got[0].tolist() == [[0, 0, 0]]


def test_non_max_suppression_optional_inputs_absent():
    inputs = {"boxes": nms_boxes(1, 5), "scores": RNG.random((1, 2, 5)).astype(np.float32)}
    got = check_node("NonMaxSuppression", inputs, {}, opset=11)
    assert got[0].shape == (0, 3)


def test_non_max_suppression_bad_iou_threshold_raises():
    inputs = {"boxes": nms_boxes(1, 3), "scores": RNG.random((1, 1, 3)).astype(np.float32),
              "max_output_boxes_per_class": scalar(3), "iou_threshold": scalar(1.5, np.float32)}
    with pytest.raises(Exception, match="iou_threshold"):
        run_refrt(make_node_model("NonMaxSuppression", inputs, {}, opset=11), feeds_of(inputs))


# ----------------------------------------------------------------------------------------------
# RoiAlign

ROIS = np.array([[0, 0, 9, 9], [0, 0, 5, 4], [5, 5, 9, 9], [-3, -2, 14, 11], [2.3, 1.7, 8.9, 6.2],
                 [11, 9, 15, 13], [3, 3, 3, 3], [4, 2, 1, 1]], np.float32)
ROI_BATCH = np.array([0, 0, 1, 1, 0, 1, 0, 1], np.int64)


def roi_inputs(dtype=np.float32):
    return {"X": rand(2, 3, 10, 12, dtype=dtype), "rois": ROIS.astype(dtype), "batch_indices": ROI_BATCH}


@pytest.mark.parametrize("mode", ["avg", "max"])
@pytest.mark.parametrize("sampling_ratio", [0, 2])
@pytest.mark.parametrize("spatial_scale", [1.0, 0.5])
def test_roi_align_10(mode, sampling_ratio, spatial_scale):
    attrs = {"mode": mode, "sampling_ratio": sampling_ratio, "spatial_scale": spatial_scale,
             "output_height": 3, "output_width": 4}
    check_node("RoiAlign", roi_inputs(), attrs, opset=10, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("mode", ["avg", "max"])
@pytest.mark.parametrize("sampling_ratio", [0, 1, 3])
@pytest.mark.parametrize("ctm", ["half_pixel", "output_half_pixel"])
def test_roi_align_16(mode, sampling_ratio, ctm):
    attrs = {"mode": mode, "sampling_ratio": sampling_ratio, "spatial_scale": 2.0, "output_height": 2,
             "output_width": 5, "coordinate_transformation_mode": ctm}
    check_node("RoiAlign", roi_inputs(), attrs, opset=16, rtol=1e-5, atol=1e-5)


def test_roi_align_22():
    # onnxruntime stops at RoiAlign-16; 22 only adds types.
    attrs = {"output_height": 2, "output_width": 3, "sampling_ratio": 2}
    check_against_opset("RoiAlign", roi_inputs(), attrs, opset=22, ort_opset=16, rtol=1e-5, atol=1e-5)


def test_roi_align_float64():
    check_node("RoiAlign", roi_inputs(np.float64), {"output_height": 3, "output_width": 3}, opset=16,
               rtol=1e-10, atol=1e-12)


def test_roi_align_float16():
    # onnxruntime has no float16 RoiAlign: its float32 answer, rounded, is the expectation.
    inputs = roi_inputs(np.float16)
    got = run_refrt(make_node_model("RoiAlign", inputs, {"output_height": 2, "output_width": 2}, opset=22),
                    feeds_of(inputs))
    as32 = {k: v.astype(np.float32) if v.dtype == np.float16 else v for k, v in inputs.items()}
    expected = run_ort(make_node_model("RoiAlign", as32, {"output_height": 2, "output_width": 2}, opset=16), as32)
    assert_same([expected[0].astype(np.float16)], got, 2e-3, 2e-3)


def test_roi_align_no_rois():
    inputs = {"X": rand(1, 2, 5, 5), "rois": np.zeros((0, 4), np.float32), "batch_indices": np.zeros(0, np.int64)}
    check_node("RoiAlign", inputs, {"output_height": 2, "output_width": 2}, opset=16)


def test_roi_align_bad_batch_index_raises():
    inputs = dict(roi_inputs(), batch_indices=np.full(len(ROIS), 2, np.int64))
    with pytest.raises(Exception, match="batch_indices"):
        run_refrt(make_node_model("RoiAlign", inputs, {}, opset=16), feeds_of(inputs))


# ----------------------------------------------------------------------------------------------
# MaxRoiPool

MAX_ROIS = np.array([[0, 0, 0, 9, 9], [1, 0, 0, 5, 4], [0, 5, 5, 9, 9], [1, -3, -2, 14, 11], [0, 2.3, 1.7, 8.9, 6.2],
                     [1, 11, 9, 15, 13], [0, 3, 3, 3, 3], [1, 4, 2, 1, 1], [0, 2.5, 1.5, 6.5, 3.5]], np.float32)


@pytest.mark.parametrize("pooled_shape", [[1, 1], [2, 3], [7, 5]])
@pytest.mark.parametrize("spatial_scale", [1.0, 0.5, 2.0])
def test_max_roi_pool(pooled_shape, spatial_scale):
    inputs = {"X": rand(2, 3, 10, 12), "rois": MAX_ROIS}
    check_node("MaxRoiPool", inputs, {"pooled_shape": pooled_shape, "spatial_scale": spatial_scale}, opset=1)


def test_max_roi_pool_float64():
    # onnxruntime has no double MaxRoiPool: its float32 answer (the same maxima, rounded) is the expectation.
    inputs = {"X": rand(2, 2, 6, 7, dtype=np.float64), "rois": MAX_ROIS[:5].astype(np.float64)}
    got = run_refrt(make_node_model("MaxRoiPool", inputs, {"pooled_shape": [3, 2]}, opset=1), inputs)
    as32 = {k: v.astype(np.float32) for k, v in inputs.items()}
    expected = run_ort(make_node_model("MaxRoiPool", as32, {"pooled_shape": [3, 2]}, opset=1), as32)
    assert_same([expected[0].astype(np.float64)], got, 1e-7, 0)


# ----------------------------------------------------------------------------------------------
# GridSample, AffineGrid


def sample_grid(*shape):
    grid = RNG.uniform(-1.6, 1.6, shape).astype(np.float32)
    grid.reshape(-1)[:6] = [-1, 1, 0, 0.5, -0.25, 1.25]  # exact corners, centres and half-pixel ties
    return grid


@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [0, 1])
def test_grid_sample_16(mode, padding_mode, align_corners):
    inputs = {"X": rand(2, 3, 5, 6), "grid": sample_grid(2, 4, 7, 2)}
    attrs = {"mode": mode, "padding_mode": padding_mode, "align_corners": align_corners}
    check_node("GridSample", inputs, attrs, opset=16, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("mode", ["linear", "nearest", "cubic"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("opset", [20, 22])
def test_grid_sample_20(mode, padding_mode, opset):
    inputs = {"X": rand(1, 2, 4, 7), "grid": sample_grid(1, 3, 5, 2)}
    for align_corners in (0, 1):
        attrs = {"mode": mode, "padding_mode": padding_mode, "align_corners": align_corners}
        check_node("GridSample", inputs, attrs, opset=opset, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("mode", ["linear", "nearest"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
def test_grid_sample_volumetric(mode, padding_mode):
    inputs = {"X": rand(1, 2, 4, 5, 3), "grid": sample_grid(1, 3, 2, 4, 3)}
    for align_corners in (0, 1):
        attrs = {"mode": mode, "padding_mode": padding_mode, "align_corners": align_corners}
        check_node("GridSample", inputs, attrs, opset=20, rtol=1e-4, atol=1e-5)


def test_grid_sample_single_pixel_and_float64():
    check_node("GridSample", {"X": rand(1, 1, 1, 5), "grid": sample_grid(1, 2, 3, 2)},
               {"mode": "cubic", "padding_mode": "reflection", "align_corners": 1}, opset=20, rtol=1e-4, atol=1e-5)
    inputs = {"X": rand(1, 2, 3, 4, dtype=np.float64), "grid": sample_grid(1, 2, 2, 2).astype(np.float64)}
    check_node("GridSample", inputs, {"mode": "linear", "padding_mode": "border"}, opset=20, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("size", [[2, 3, 4, 5], [1, 1, 1, 3], [2, 1, 3, 4, 2], [1, 2, 1, 1, 1]])
@pytest.mark.parametrize("align_corners", [0, 1])
def test_affine_grid(size, align_corners):
    d = len(size) - 2
    inputs = {"theta": rand(size[0], d, d + 1), "size": np.array(size, np.int64)}
    check_node("AffineGrid", inputs, {"align_corners": align_corners}, opset=20, rtol=1e-5, atol=1e-6)


# ----------------------------------------------------------------------------------------------
# DeformConv

DEFORM_CASES = [
    # (x shape, w shape, attrs, with bias, with mask)
    ((1, 2, 5, 6), (3, 2, 3, 3), {}, True, True),
    ((2, 4, 6, 6), (4, 2, 3, 2), {"group": 2, "offset_group": 2, "pads": [1, 0, 1, 1], "strides": [2, 1],
                                   "dilations": [1, 2]}, True, True),
    ((1, 3, 4, 4), (2, 3, 2, 2), {"pads": [1, 1, 1, 1], "kernel_shape": [2, 2]}, False, False),
    ((1, 4, 5, 5), (2, 4, 3, 3), {"offset_group": 4, "strides": [2, 2]}, False, True),
]


@pytest.mark.parametrize("case", DEFORM_CASES, ids=[str(i) for i in range(len(DEFORM_CASES))])
@pytest.mark.parametrize("opset", [19, 22])
def test_deform_conv(case, opset):
    xs, ws, attrs, bias, mask = case
    rank = len(xs) - 2
    pads = attrs.get("pads", [0] * 2 * rank)
    strides = attrs.get("strides", [1] * rank)
    dil = attrs.get("dilations", [1] * rank)
    out = [(xs[2 + i] + pads[i] + pads[i + rank] - ((ws[2 + i] - 1) * dil[i] + 1)) // strides[i] + 1
           for i in range(rank)]
    og = attrs.get("offset_group", 1)
    k = int(np.prod(ws[2:]))
    inputs = {"X": rand(*xs), "W": rand(*ws), "offset": rand(xs[0], og * k * rank, *out, scale=1.5),
              "B": rand(ws[0]) if bias else None, "mask": rand(xs[0], og * k, *out) if mask else None}
    check_node("DeformConv", inputs, attrs, opset=opset, rtol=1e-4, atol=1e-5)


def test_deform_conv_zero_offsets_is_conv():
    inputs = {"X": rand(1, 3, 6, 6), "W": rand(4, 3, 3, 3)}
    offset = np.zeros((1, 18, 4, 4), np.float32)
    got = run_refrt(make_node_model("DeformConv", {**inputs, "offset": offset}, {}, opset=19),
                    {**inputs, "offset": offset})
    expected = run_ort(make_node_model("Conv", inputs, {}, opset=11), inputs)
    assert_same(expected, got, 1e-4, 1e-5)


# ----------------------------------------------------------------------------------------------
# DFT, STFT


DFT_SHAPES = [(2, 8, 1), (2, 8, 2), (3, 7, 5, 1), (3, 7, 5, 2)]


@pytest.mark.parametrize("shape", DFT_SHAPES, ids=["real", "complex", "real3", "complex3"])
@pytest.mark.parametrize("inverse", [0, 1])
@pytest.mark.parametrize("length", [None, 6, 11])
def test_dft_17(shape, inverse, length):
    x = rand(*shape)
    for axis in (1, -2, 0):
        inputs = {"input": x, "dft_length": None if length is None else scalar(length)}
        check_node("DFT", inputs, {"axis": axis, "inverse": inverse}, opset=17, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("shape", [(2, 8, 1), (3, 7, 5, 1)], ids=["2d", "3d"])
@pytest.mark.parametrize("length", [None, 6, 11])
def test_dft_20_onesided(shape, length):
    x = rand(*shape)
    for axis in (-2, 1):
        inputs = {"input": x, "dft_length": None if length is None else scalar(length), "axis": scalar(axis)}
        check_node("DFT", inputs, {"onesided": 1}, opset=20, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("bins, length", [(5, None), (5, 8), (5, 9), (4, None)])
def test_dft_irfft(bins, length):
    # Inverse one-sided DFT with as many bins as dft_length needs (floor(n/2) + 1).
    inputs = {"input": rand(2, bins, 3, 2), "dft_length": None if length is None else scalar(length), "axis": scalar(1)}
    check_node("DFT", inputs, {"inverse": 1, "onesided": 1}, opset=20, rtol=1e-4, atol=1e-4)


def test_dft_irfft_with_other_bin_counts_follows_numpy():
    # With more or fewer bins than dft_length needs, the spec (scipy's irfft) truncates or
    # zero-pads the spectrum; onnxruntime computes something else, so NumPy is the expectation.
    x = rand(1, 8, 2)
    for n in (6, 11, 20):
        inputs = {"input": x, "dft_length": scalar(n)}
        got = run_refrt(make_node_model("DFT", inputs, {"inverse": 1, "onesided": 1, "axis": 1}, opset=17), inputs)
        expected = np.fft.irfft(x[..., 0] + 1j * x[..., 1], n=n, axis=1)[..., None]
        np.testing.assert_allclose(got[0], expected, rtol=1e-5, atol=1e-6)


def test_dft_float64():
    # onnxruntime's double DFT is good to about 1e-8 only; the expectation is the DFT's defining
    # sum, in float64, as a matrix product.
    x = rand(2, 9, 2, dtype=np.float64)
    inputs = {"input": x, "dft_length": None, "axis": scalar(1)}
    got = run_refrt(make_node_model("DFT", inputs, {"inverse": 1}, opset=20), feeds_of(inputs))[0]
    n = np.arange(9)
    basis = np.exp(2j * np.pi * np.outer(n, n) / 9) / 9
    expected = np.einsum("kn,bn->bk", basis, x[..., 0] + 1j * x[..., 1])
    np.testing.assert_allclose(got[..., 0] + 1j * got[..., 1], expected, rtol=1e-12, atol=1e-14)


def test_dft_on_the_last_axis_raises():
    inputs = {"input": rand(2, 4, 1), "dft_length": None, "axis": scalar(2)}
    with pytest.raises(Exception, match="axis"):
        run_refrt(make_node_model("DFT", inputs, {}, opset=20), feeds_of(inputs))


@pytest.mark.parametrize("complex_signal, onesided", [(False, 0), (False, 1), (True, 0)],
                         ids=["real", "real-onesided", "complex"])
@pytest.mark.parametrize("window, frame_length", [(True, None), (False, 16), (True, 16)])
def test_stft(complex_signal, window, frame_length, onesided):
    inputs = {
        "signal": rand(2, 64, 2 if complex_signal else 1),
        "frame_step": scalar(5),
        "window": np.hanning(16).astype(np.float32) if window else None,
        "frame_length": None if frame_length is None else scalar(frame_length),
    }
    check_node("STFT", inputs, {"onesided": onesided}, opset=17, rtol=1e-4, atol=1e-4)


# ----------------------------------------------------------------------------------------------
# Windows, MelWeightMatrix


@pytest.mark.parametrize("op", ["HannWindow", "HammingWindow", "BlackmanWindow"])
@pytest.mark.parametrize("periodic", [0, 1])
@pytest.mark.parametrize("output_datatype", [1, 11, 10, 7])
def test_windows(op, periodic, output_datatype):
    for n in (2, 10, 33):
        check_node(op, {"size": scalar(n)}, {"periodic": periodic, "output_datatype": output_datatype}, opset=17,
                   rtol=1e-5, atol=1e-6)


def test_window_size_as_int32_and_zero():
    check_node("HannWindow", {"size": scalar(12, np.int32)}, {}, opset=17)
    check_node("HammingWindow", {"size": scalar(0)}, {}, opset=17)


@pytest.mark.parametrize("args", [(8, 256, 8000, 0.0, 4000.0), (16, 8192, 16000, 20.0, 8000.0),
                                  (5, 64, 1000, 100.0, 450.0), (10, 1024, 22050, 300.0, 11000.0)])
@pytest.mark.parametrize("output_datatype", [1, 11])
def test_mel_weight_matrix(args, output_datatype):
    bins, length, rate, low, high = args
    inputs = {"num_mel_bins": scalar(bins), "dft_length": scalar(length), "sample_rate": scalar(rate),
              "lower_edge_hertz": scalar(low, np.float32), "upper_edge_hertz": scalar(high, np.float32)}
    check_node("MelWeightMatrix", inputs, {"output_datatype": output_datatype}, opset=17)
