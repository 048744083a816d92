"""Convolution, pooling and normalisation kernels agree with onnxruntime, one node at a time.

Where onnxruntime has no kernel for a revision (AveragePool-1, LpPool-1, GlobalLpPool-1,
InstanceNormalization-1, BatchNormalization-1/6) or for a type (double Conv), the expectation comes
from onnxruntime running the same computation at a revision or type it has, or from NumPy by hand;
each such test says why.
"""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import helper

from refrt import providers, registry

from oracle import assert_same, check_model, check_node, feeds_of, make_model, make_node_model, run_ort, run_refrt

RNG = np.random.default_rng(1234)


def rand(*shape, dtype=np.float32):
    return RNG.standard_normal(shape).astype(dtype)


def typed_node_model(op, inputs, attrs, *, opset, n_outputs=1):
    """make_node_model, with X's type on any output that onnx's shape inference leaves untyped (it
    has no inference for some old revisions and some extra outputs; refrt's checker, unlike
    onnxruntime, rejects untyped outputs)."""
    model = make_node_model(op, inputs, attrs, opset=opset, n_outputs=n_outputs)
    elem = helper.np_dtype_to_tensor_dtype(next(iter(inputs.values())).dtype)
    for out in model.graph.output:
        if not out.type.HasField("tensor_type"):
            out.type.tensor_type.elem_type = elem
    return model


def check_typed(op, inputs, attrs, *, opset, n_outputs=1, rtol=1e-5, atol=1e-6):
    """check_node on a model whose outputs are all typed (see typed_node_model)."""
    model = typed_node_model(op, inputs, attrs, opset=opset, n_outputs=n_outputs)
    return check_model(model, feeds_of(inputs), rtol=rtol, atol=atol)


def check_against(op, inputs, attrs, *, opset, ort_opset=None, ort_inputs=None, ort_attrs=None, n_outputs=1,
                  rtol=1e-5, atol=1e-6):
    """refrt at ``opset`` against onnxruntime on an equivalent node it can run (another revision, or
    another input type, the result cast to refrt's output type)."""
    model = typed_node_model(op, inputs, attrs, opset=opset, n_outputs=n_outputs)
    got = run_refrt(model, feeds_of(inputs))
    ort_in = ort_inputs if ort_inputs is not None else inputs
    ort_model = make_node_model(op, ort_in, ort_attrs if ort_attrs is not None else attrs,
                                opset=ort_opset or opset, n_outputs=n_outputs)
    expected = [np.asarray(e).astype(g.dtype) for e, g in zip(run_ort(ort_model, feeds_of(ort_in)), got)]
    assert_same(expected, got, rtol, atol)
    return got


# ----------------------------------------------------------------------------------------------
# Conv


CONV_CASES = [
    # (x shape, w shape, attrs)
    ((1, 3, 7, 7), (4, 3, 3, 3), {}),
    ((2, 3, 7, 8), (4, 3, 3, 3), {"pads": [1, 1, 1, 1]}),
    ((1, 3, 9, 9), (4, 3, 3, 2), {"pads": [1, 0, 2, 1], "strides": [2, 3]}),
    ((1, 2, 9, 9), (3, 2, 3, 3), {"dilations": [2, 2], "pads": [2, 2, 2, 2]}),
    ((1, 4, 6, 6), (6, 2, 3, 3), {"group": 2, "pads": [1, 1, 1, 1]}),
    ((2, 4, 6, 6), (4, 1, 3, 3), {"group": 4, "pads": [1, 1, 1, 1]}),  # depthwise
    ((1, 3, 6, 6), (6, 1, 3, 3), {"group": 3, "strides": [2, 2]}),  # depthwise, channel multiplier 2
    ((1, 5, 6, 6), (7, 5, 1, 1), {}),  # 1x1: a plain matmul
    ((2, 5, 6, 6), (7, 5, 1, 1), {"strides": [2, 2]}),
    ((1, 3, 7, 7), (4, 3, 3, 3), {"auto_pad": "SAME_UPPER", "strides": [2, 2]}),
    ((1, 3, 8, 8), (4, 3, 4, 4), {"auto_pad": "SAME_LOWER", "strides": [3, 3]}),
    ((1, 3, 8, 8), (4, 3, 2, 2), {"auto_pad": "SAME_UPPER"}),
    ((1, 3, 8, 8), (4, 3, 3, 3), {"auto_pad": "VALID", "strides": [2, 2]}),
    ((1, 3, 7, 7), (4, 3, 3, 3), {"kernel_shape": [3, 3], "pads": [0, 1, 2, 0]}),
    ((2, 3, 10), (4, 3, 3), {"pads": [1, 2], "strides": [2], "dilations": [2]}),  # 1-D
    ((1, 2, 5, 6, 4), (3, 2, 2, 3, 2), {"pads": [1, 0, 1, 0, 1, 1], "strides": [1, 2, 1]}),  # 3-D
    ((1, 3, 4, 4), (4, 3, 5, 5), {"pads": [2, 2, 2, 2]}),  # kernel larger than the input
]


@pytest.mark.parametrize("xs, ws, attrs", CONV_CASES, ids=[str(i) for i in range(len(CONV_CASES))])
@pytest.mark.parametrize("opset", [7, 11, 22])
def test_conv(xs, ws, attrs, opset):
    check_node("Conv", {"X": rand(*xs), "W": rand(*ws)}, attrs, opset=opset, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("group", [1, 2])
def test_conv_bias(group):
    check_node("Conv", {"X": rand(2, 4, 6, 5), "W": rand(6, 4 // group, 3, 3), "B": rand(6)},
               {"group": group, "pads": [1, 1, 1, 1]}, opset=11, rtol=1e-4, atol=1e-5)


def test_conv_bias_as_initializer():
    check_node("Conv", {"X": rand(1, 3, 6, 6), "W": rand(4, 3, 3, 3), "B": rand(4)}, {},
               opset=11, initializers=["W", "B"], rtol=1e-4, atol=1e-5)


def test_conv_float16():
    check_node("Conv", {"X": rand(1, 3, 6, 6, dtype=np.float16), "W": rand(4, 3, 3, 3, dtype=np.float16),
                        "B": rand(4, dtype=np.float16)}, {"pads": [1, 1, 1, 1]}, opset=11, rtol=1e-2, atol=1e-2)


def test_conv_float64_matches_float32():
    # onnxruntime's CPU provider has no double Conv: compare with its float32 result.
    inputs = {"X": rand(1, 3, 6, 6, dtype=np.float64), "W": rand(4, 3, 3, 3, dtype=np.float64),
              "B": rand(4, dtype=np.float64)}
    ort_inputs = {k: v.astype(np.float32) for k, v in inputs.items()}
    check_against("Conv", inputs, {"pads": [1, 1, 1, 1], "strides": [2, 1]}, opset=22, ort_inputs=ort_inputs,
                  rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("auto_pad, pads", [("SAME_UPPER", [2, 1, 2, 2]), ("SAME_LOWER", [2, 2, 2, 1])])
def test_conv_same_with_dilations(auto_pad, pads):
    # onnxruntime refuses dilations with SAME_*; the spec's padding, worked out by hand, goes to it
    # as explicit pads: out = ceil(9/2) = 5 and ceil(8/1) = 8; total = (out-1)*stride + dilated
    # kernel - in = 8 + 5 - 9 and 7 + 4 - 8; the odd one goes at the end (UPPER) or start (LOWER).
    attrs = {"dilations": [2, 3], "strides": [2, 1]}
    check_against("Conv", {"X": rand(1, 3, 9, 8), "W": rand(4, 3, 3, 2)}, {**attrs, "auto_pad": auto_pad}, opset=11,
                  ort_attrs={**attrs, "pads": pads}, rtol=1e-4, atol=1e-5)


def test_conv_empty_batch():
    check_node("Conv", {"X": rand(0, 3, 6, 6), "W": rand(4, 3, 3, 3)}, {"pads": [1, 1, 1, 1]}, opset=11)


def test_conv_bad_channels_raises():
    inputs = {"X": rand(1, 4, 5, 5), "W": rand(2, 3, 3, 3)}
    model = make_node_model("Conv", inputs, {}, opset=11)
    with pytest.raises(Exception, match="channels"):
        run_refrt(model, inputs)


# ----------------------------------------------------------------------------------------------
# ConvTranspose


CONV_TRANSPOSE_CASES = [
    ((1, 3, 4, 4), (3, 2, 3, 3), {}),
    ((2, 3, 4, 5), (3, 2, 3, 3), {"strides": [2, 2]}),
    ((1, 3, 4, 4), (3, 2, 3, 3), {"strides": [2, 2], "pads": [1, 1, 1, 1], "output_padding": [1, 1]}),
    ((1, 3, 4, 4), (3, 2, 3, 2), {"strides": [3, 2], "pads": [0, 1, 2, 0], "dilations": [1, 2]}),
    ((1, 4, 4, 4), (4, 3, 3, 3), {"group": 2, "strides": [2, 2]}),
    ((1, 4, 5, 5), (4, 1, 3, 3), {"group": 4, "pads": [1, 1, 1, 1]}),
    ((1, 3, 4, 4), (3, 2, 3, 3), {"strides": [2, 2], "output_shape": [9, 10]}),
    ((1, 3, 4, 4), (3, 2, 3, 3), {"strides": [2, 2], "output_shape": [8, 8]}),
    ((1, 3, 4, 4), (3, 2, 3, 3), {"strides": [2, 2], "output_shape": [10, 9]}),  # one past the uncropped size
    ((1, 3, 4, 4), (3, 2, 3, 3), {"strides": [2, 2], "output_shape": [8, 8], "output_padding": [1, 1]}),
    ((1, 3, 4, 4), (3, 2, 3, 3), {"strides": [2, 2], "pads": [1, 1, 1, 1], "output_shape": [7, 7]}),
    ((1, 3, 4, 4), (3, 2, 3, 3), {"strides": [2, 2], "auto_pad": "SAME_UPPER", "dilations": [2, 2]}),
    ((1, 3, 4, 4), (3, 2, 3, 3), {"strides": [3, 3], "auto_pad": "SAME_LOWER"}),
    ((1, 3, 4, 4), (3, 2, 3, 3), {"strides": [2, 2], "auto_pad": "SAME_UPPER"}),
    ((1, 3, 4, 4), (3, 2, 4, 4), {"strides": [2, 2], "auto_pad": "SAME_LOWER"}),
    ((1, 3, 4, 4), (3, 2, 3, 3), {"strides": [2, 2], "auto_pad": "VALID"}),
    ((1, 3, 4, 4), (3, 2, 2, 2), {"kernel_shape": [2, 2], "strides": [2, 2]}),
    ((2, 3, 5), (3, 4, 3), {"strides": [2], "pads": [1, 0], "output_padding": [1]}),  # 1-D
    ((1, 2, 3, 3, 2), (2, 3, 2, 2, 2), {"strides": [2, 1, 2]}),  # 3-D
]


@pytest.mark.parametrize("xs, ws, attrs", CONV_TRANSPOSE_CASES, ids=[str(i) for i in range(len(CONV_TRANSPOSE_CASES))])
@pytest.mark.parametrize("opset", [7, 11, 22])
def test_conv_transpose(xs, ws, attrs, opset):
    check_node("ConvTranspose", {"X": rand(*xs), "W": rand(*ws)}, attrs, opset=opset, rtol=1e-4, atol=1e-5)


def test_conv_transpose_bias_and_float16():
    check_node("ConvTranspose", {"X": rand(1, 4, 3, 3), "W": rand(4, 3, 3, 3), "B": rand(6)},
               {"group": 2, "strides": [2, 2]}, opset=11, rtol=1e-4, atol=1e-5)
    check_node("ConvTranspose", {"X": rand(1, 3, 3, 3, dtype=np.float16), "W": rand(3, 2, 3, 3, dtype=np.float16),
                                 "B": rand(2, dtype=np.float16)}, {"strides": [2, 2]}, opset=11, rtol=1e-2, atol=1e-2)


def test_conv_transpose_float64_matches_float32():
    # onnxruntime's CPU provider has no double ConvTranspose: compare with its float32 result.
    inputs = {"X": rand(1, 3, 4, 4, dtype=np.float64), "W": rand(3, 2, 3, 3, dtype=np.float64)}
    check_against("ConvTranspose", inputs, {"strides": [2, 2], "pads": [1, 0, 0, 1]}, opset=22,
                  ort_inputs={k: v.astype(np.float32) for k, v in inputs.items()}, rtol=1e-5, atol=1e-5)


# ----------------------------------------------------------------------------------------------
# MaxPool

MAX_POOL_CASES = [
    ((1, 2, 7, 7), {"kernel_shape": [3, 3]}),
    ((2, 3, 8, 7), {"kernel_shape": [3, 2], "strides": [2, 2], "pads": [1, 0, 1, 1]}),
    ((1, 2, 7, 7), {"kernel_shape": [3, 3], "strides": [2, 2], "auto_pad": "SAME_UPPER"}),
    ((1, 2, 8, 8), {"kernel_shape": [2, 3], "strides": [3, 2], "auto_pad": "SAME_LOWER"}),
    ((1, 2, 8, 8), {"kernel_shape": [3, 3], "strides": [2, 2], "auto_pad": "VALID"}),
    ((2, 3, 9), {"kernel_shape": [4], "strides": [2], "pads": [1, 2]}),  # 1-D
    ((1, 2, 5, 6, 4), {"kernel_shape": [2, 3, 2], "strides": [2, 1, 2], "pads": [0, 1, 1, 1, 1, 0]}),  # 3-D
]
MAX_POOL_10_CASES = MAX_POOL_CASES + [
    ((1, 2, 8, 8), {"kernel_shape": [3, 3], "strides": [2, 2], "ceil_mode": 1}),
    ((1, 2, 7, 9), {"kernel_shape": [2, 2], "strides": [2, 3], "pads": [1, 1, 0, 0], "ceil_mode": 1}),
    ((1, 2, 9, 9), {"kernel_shape": [3, 3], "dilations": [2, 2]}),
    ((1, 2, 9, 10), {"kernel_shape": [2, 3], "dilations": [3, 2], "strides": [2, 2], "pads": [1, 1, 1, 1],
                     "ceil_mode": 1}),
    ((1, 2, 10), {"kernel_shape": [3], "dilations": [2], "strides": [3], "ceil_mode": 1}),
]


@pytest.mark.parametrize("xs, attrs", MAX_POOL_CASES, ids=[str(i) for i in range(len(MAX_POOL_CASES))])
def test_max_pool_1(xs, attrs):
    check_node("MaxPool", {"X": rand(*xs)}, attrs, opset=7)


@pytest.mark.parametrize("storage_order", [0, 1])
@pytest.mark.parametrize("xs, attrs", MAX_POOL_CASES, ids=[str(i) for i in range(len(MAX_POOL_CASES))])
def test_max_pool_8_indices(xs, attrs, storage_order):
    check_node("MaxPool", {"X": rand(*xs)}, {**attrs, "storage_order": storage_order}, opset=8, n_outputs=2)


@pytest.mark.parametrize("opset", [10, 11, 12, 22])
@pytest.mark.parametrize("xs, attrs", MAX_POOL_10_CASES, ids=[str(i) for i in range(len(MAX_POOL_10_CASES))])
def test_max_pool(xs, attrs, opset):
    check_node("MaxPool", {"X": rand(*xs)}, attrs, opset=opset)


@pytest.mark.parametrize("storage_order", [0, 1])
@pytest.mark.parametrize("xs, attrs", MAX_POOL_10_CASES[-5:], ids=[str(i) for i in range(5)])
def test_max_pool_indices_ceil_dilations(xs, attrs, storage_order):
    check_node("MaxPool", {"X": rand(*xs)}, {**attrs, "storage_order": storage_order}, opset=12, n_outputs=2)


@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.float16, np.float64])
def test_max_pool_types(dtype):
    x = (rand(2, 3, 6, 6) * 50).astype(dtype)
    check_node("MaxPool", {"X": x}, {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1], "strides": [2, 2]}, opset=12)


def test_max_pool_ties_pick_first():
    x = np.zeros((1, 1, 4, 4), np.float32)
    check_node("MaxPool", {"X": x}, {"kernel_shape": [2, 2], "strides": [1, 1]}, opset=12, n_outputs=2)


def test_max_pool_resnet_stem():
    check_node("MaxPool", {"X": rand(1, 8, 28, 28)}, {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1], "strides": [2, 2]},
               opset=9)


# ----------------------------------------------------------------------------------------------
# AveragePool

AVG_POOL_CASES = [
    ((1, 2, 7, 7), {"kernel_shape": [3, 3]}),
    ((2, 3, 8, 7), {"kernel_shape": [3, 2], "strides": [2, 2], "pads": [1, 0, 1, 1]}),
    ((1, 2, 7, 7), {"kernel_shape": [3, 3], "strides": [2, 2], "auto_pad": "SAME_UPPER"}),
    ((1, 2, 8, 8), {"kernel_shape": [2, 3], "strides": [3, 2], "auto_pad": "SAME_LOWER"}),
    ((1, 2, 8, 8), {"kernel_shape": [3, 3], "strides": [2, 2], "auto_pad": "VALID"}),
    ((2, 3, 9), {"kernel_shape": [4], "strides": [2], "pads": [1, 2]}),
    ((1, 2, 5, 6, 4), {"kernel_shape": [2, 3, 2], "strides": [2, 1, 2], "pads": [0, 1, 1, 1, 1, 0]}),
]
AVG_POOL_10_CASES = AVG_POOL_CASES + [
    ((1, 2, 8, 8), {"kernel_shape": [3, 3], "strides": [2, 2], "ceil_mode": 1}),
    ((1, 2, 7, 9), {"kernel_shape": [2, 2], "strides": [2, 3], "pads": [1, 1, 0, 0], "ceil_mode": 1}),
    ((1, 2, 7, 7), {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1], "ceil_mode": 1}),
]
AVG_POOL_19_CASES = AVG_POOL_10_CASES + [
    ((1, 2, 9, 9), {"kernel_shape": [3, 3], "dilations": [2, 2]}),
    ((1, 2, 9, 10), {"kernel_shape": [2, 3], "dilations": [3, 2], "strides": [2, 2], "pads": [1, 1, 1, 1]}),
    ((1, 2, 10), {"kernel_shape": [3], "dilations": [2], "strides": [3], "ceil_mode": 1}),
]


@pytest.mark.parametrize("xs, attrs", AVG_POOL_CASES, ids=[str(i) for i in range(len(AVG_POOL_CASES))])
def test_average_pool_1(xs, attrs):
    # onnxruntime has no AveragePool-1; revision 7 with count_include_pad=0 means the same.
    check_against("AveragePool", {"X": rand(*xs)}, attrs, opset=6, ort_opset=7)


@pytest.mark.parametrize("count_include_pad", [0, 1])
@pytest.mark.parametrize("xs, attrs", AVG_POOL_CASES, ids=[str(i) for i in range(len(AVG_POOL_CASES))])
def test_average_pool_7(xs, attrs, count_include_pad):
    check_node("AveragePool", {"X": rand(*xs)}, {**attrs, "count_include_pad": count_include_pad}, opset=7)


@pytest.mark.parametrize("opset", [10, 11])
@pytest.mark.parametrize("count_include_pad", [0, 1])
@pytest.mark.parametrize("xs, attrs", AVG_POOL_10_CASES, ids=[str(i) for i in range(len(AVG_POOL_10_CASES))])
def test_average_pool_10(xs, attrs, count_include_pad, opset):
    check_node("AveragePool", {"X": rand(*xs)}, {**attrs, "count_include_pad": count_include_pad}, opset=opset)


@pytest.mark.parametrize("opset", [19, 22])
@pytest.mark.parametrize("count_include_pad", [0, 1])
@pytest.mark.parametrize("xs, attrs", AVG_POOL_19_CASES, ids=[str(i) for i in range(len(AVG_POOL_19_CASES))])
def test_average_pool_19(xs, attrs, count_include_pad, opset):
    check_node("AveragePool", {"X": rand(*xs)}, {**attrs, "count_include_pad": count_include_pad}, opset=opset)


def test_average_pool_float16():
    check_node("AveragePool", {"X": rand(1, 3, 7, 7, dtype=np.float16)},
               {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1], "strides": [2, 2]}, opset=11, rtol=1e-3, atol=1e-3)


def test_average_pool_float64_matches_float32():
    # onnxruntime has no double AveragePool: compare with its float32 result.
    x = rand(1, 3, 7, 7, dtype=np.float64)
    check_against("AveragePool", {"X": x}, {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1], "count_include_pad": 1},
                  opset=11, ort_inputs={"X": x.astype(np.float32)}, rtol=1e-6, atol=1e-6)


def test_average_pool_resnet_head():
    check_node("AveragePool", {"X": rand(1, 16, 7, 7)}, {"kernel_shape": [7, 7], "strides": [1, 1]}, opset=9)


# ----------------------------------------------------------------------------------------------
# LpPool and the global pools

LP_POOL_CASES = [
    ((1, 2, 7, 7), {"kernel_shape": [3, 3]}),
    ((2, 3, 8, 7), {"kernel_shape": [3, 2], "strides": [2, 2], "pads": [1, 0, 1, 1]}),
    ((1, 2, 7, 7), {"kernel_shape": [3, 3], "strides": [2, 2], "auto_pad": "SAME_UPPER"}),
    ((2, 3, 9), {"kernel_shape": [4], "strides": [2], "pads": [1, 2]}),
]


@pytest.mark.parametrize("p", [1, 2, 3])
@pytest.mark.parametrize("xs, attrs", LP_POOL_CASES, ids=[str(i) for i in range(len(LP_POOL_CASES))])
def test_lp_pool_2(xs, attrs, p):
    check_node("LpPool", {"X": rand(*xs)}, {**attrs, "p": p}, opset=11, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("opset", [18, 22])
@pytest.mark.parametrize("attrs", [
    {"kernel_shape": [3, 3], "strides": [2, 2], "ceil_mode": 1},
    {"kernel_shape": [2, 2], "dilations": [2, 2], "pads": [1, 1, 1, 1]},
    {"kernel_shape": [3, 2], "p": 3},
])
def test_lp_pool_18(attrs, opset):
    check_node("LpPool", {"X": rand(1, 2, 8, 8)}, attrs, opset=opset, rtol=1e-5, atol=1e-5)


def test_lp_pool_1_float_p():
    # onnxruntime has no LpPool-1 (p a float): compare with revision 2 (p an int).
    check_against("LpPool", {"X": rand(1, 2, 6, 6)}, {"kernel_shape": [2, 2], "p": 3.0}, opset=1,
                  ort_opset=7, ort_attrs={"kernel_shape": [2, 2], "p": 3}, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("op", ["GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool"])
@pytest.mark.parametrize("shape", [(2, 3, 5), (1, 3, 4, 5), (1, 2, 3, 4, 2)])
@pytest.mark.parametrize("opset", [7, 22])
def test_global_pools(op, shape, opset):
    if op == "GlobalLpPool" and opset == 22:
        # onnxruntime stops at GlobalLpPool-2; revision 22 only adds bfloat16.
        check_against(op, {"X": rand(*shape)}, {}, opset=opset, ort_opset=7, rtol=1e-5, atol=1e-6)
    else:
        check_node(op, {"X": rand(*shape)}, {}, opset=opset, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("p", [1, 3])
def test_global_lp_pool_p(p):
    check_node("GlobalLpPool", {"X": rand(1, 3, 4, 5)}, {"p": p}, opset=11, rtol=1e-5, atol=1e-5)


def test_global_lp_pool_1_float_p():
    # onnxruntime has no GlobalLpPool-1 (p a float): compare with revision 2 (p an int).
    check_against("GlobalLpPool", {"X": rand(1, 3, 4, 5)}, {"p": 3.0}, opset=1, ort_opset=7,
                  ort_attrs={"p": 3}, rtol=1e-5, atol=1e-5)


def test_global_pools_float16():
    x = rand(1, 3, 4, 5, dtype=np.float16)
    check_node("GlobalMaxPool", {"X": x}, {}, opset=11)
    # onnxruntime fails to build a float16 GlobalAveragePool (it inserts a Cast it then rejects): by hand.
    model = make_node_model("GlobalAveragePool", {"X": x}, {}, opset=11)
    (got,) = run_refrt(model, {"X": x})
    expected = x.astype(np.float32).mean(axis=(2, 3), keepdims=True).astype(np.float16)
    assert_same([expected], [got], rtol=1e-3, atol=1e-3)


# ----------------------------------------------------------------------------------------------
# LRN


@pytest.mark.parametrize("attrs", [
    {"size": 3},
    {"size": 5, "alpha": 0.001, "beta": 0.5, "bias": 2.0},
    {"size": 1},
    {"size": 7},
])
@pytest.mark.parametrize("opset", [7, 13])
def test_lrn(attrs, opset):
    check_node("LRN", {"X": rand(2, 5, 4, 3)}, attrs, opset=opset, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("size", [2, 4])
def test_lrn_even_size(size):
    # onnxruntime only accepts an odd size; the spec's window [c - floor((size-1)/2), c + ceil((size-1)/2)]
    # is computed here by hand.
    x = rand(1, 5, 3, 3)
    model = make_node_model("LRN", {"X": x}, {"size": size, "alpha": 0.01}, opset=13)
    (got,) = run_refrt(model, {"X": x})
    sq = np.square(x.astype(np.float64))
    lo, hi = (size - 1) // 2, size - 1 - (size - 1) // 2
    square_sum = np.stack([sq[:, max(0, c - lo): c + hi + 1].sum(axis=1) for c in range(5)], axis=1)
    expected = (x / (1.0 + 0.01 / size * square_sum) ** 0.75).astype(np.float32)
    assert_same([expected], [got], rtol=1e-5, atol=1e-6)


def test_lrn_float16():
    check_node("LRN", {"X": rand(1, 5, 3, 3, dtype=np.float16)}, {"size": 3}, opset=13, rtol=1e-3, atol=1e-3)


# ----------------------------------------------------------------------------------------------
# BatchNormalization


def bn_inputs(shape=(2, 3, 4, 5), dtype=np.float32, param_dtype=None, stat_dtype=None):
    c = shape[1]
    p, s = param_dtype or dtype, stat_dtype or param_dtype or dtype
    return {
        "X": rand(*shape, dtype=dtype),
        "scale": rand(c, dtype=p),
        "B": rand(c, dtype=p),
        "mean": rand(c, dtype=s),
        "var": (np.abs(rand(c)) + 0.5).astype(s),
    }


def bn_by_hand(inputs, epsilon=1e-5):
    x, s, b, m, v = (inputs[k].astype(np.float64) for k in ("X", "scale", "B", "mean", "var"))
    shape = (-1,) + (1,) * (x.ndim - 2) if s.ndim == 1 else s.shape
    s, b, m, v = (a.reshape(shape) for a in (s, b, m, v))
    return ((x - m) / np.sqrt(v + epsilon) * s + b).astype(inputs["X"].dtype)


@pytest.mark.parametrize("opset", [1, 6])
@pytest.mark.parametrize("attrs", [{}, {"is_test": 1}, {"is_test": 1, "spatial": 1, "epsilon": 1e-3, "momentum": 0.5}])
def test_batch_normalization_legacy_inference(opset, attrs):
    # onnxruntime has no BatchNormalization-1/6: inference by hand. Revision 1 requires consumed_inputs.
    inputs = bn_inputs()
    attrs = {**attrs, "consumed_inputs": [0, 0, 0, 1, 1]} if opset == 1 else attrs
    model = typed_node_model("BatchNormalization", inputs, attrs, opset=opset)
    (got,) = run_refrt(model, inputs)
    assert_same([bn_by_hand(inputs, attrs.get("epsilon", 1e-5))], [got], rtol=1e-5, atol=1e-5)


def test_batch_normalization_6_training_outputs():
    # onnxruntime has no BatchNormalization-6; revision 7 with five outputs computes the same.
    check_against("BatchNormalization", bn_inputs(), {"momentum": 0.7}, opset=6, ort_opset=7, n_outputs=5,
                  rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("shape", [(2, 3), (2, 3, 5), (2, 3, 4, 5), (1, 3, 2, 3, 2)])
@pytest.mark.parametrize("opset", [7, 9, 14, 15])
def test_batch_normalization_inference(shape, opset):
    check_node("BatchNormalization", bn_inputs(shape), {"epsilon": 1e-3}, opset=opset, rtol=1e-5, atol=1e-5)


def test_batch_normalization_7_per_activation():
    # spatial=0: one statistic per activation; scale, B, mean and var have shape X.shape[1:].
    c = (3, 4, 5)
    inputs = {"X": rand(2, *c), "scale": rand(*c), "B": rand(*c), "mean": rand(*c), "var": np.abs(rand(*c)) + 0.5}
    check_node("BatchNormalization", inputs, {"spatial": 0}, opset=7, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("opset", [7, 9])
def test_batch_normalization_legacy_training_outputs(opset):
    check_typed("BatchNormalization", bn_inputs(), {"momentum": 0.8}, opset=opset, n_outputs=5, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 4, 5)])
@pytest.mark.parametrize("opset", [14, 15])
def test_batch_normalization_training_mode(shape, opset):
    check_node("BatchNormalization", bn_inputs(shape), {"training_mode": 1, "momentum": 0.8, "epsilon": 1e-4},
               opset=opset, n_outputs=3, rtol=1e-5, atol=1e-5)


def test_batch_normalization_15_mixed_types():
    inputs = bn_inputs(dtype=np.float16, param_dtype=np.float32, stat_dtype=np.float16)
    check_node("BatchNormalization", inputs, {}, opset=15, rtol=1e-3, atol=1e-3)


def test_batch_normalization_float64():
    check_node("BatchNormalization", bn_inputs(dtype=np.float64), {}, opset=15, rtol=1e-10, atol=1e-10)


# ----------------------------------------------------------------------------------------------
# InstanceNormalization


@pytest.mark.parametrize("shape", [(2, 3, 5), (2, 3, 4, 5), (1, 2, 3, 4, 2)])
@pytest.mark.parametrize("opset", [6, 22])
def test_instance_normalization(shape, opset):
    c = shape[1]
    check_node("InstanceNormalization", {"X": rand(*shape), "scale": rand(c), "B": rand(c)}, {"epsilon": 1e-3},
               opset=opset, rtol=1e-5, atol=1e-5)


def test_instance_normalization_1():
    # onnxruntime has no InstanceNormalization-1; revision 6 means the same without consumed_inputs.
    inputs = {"X": rand(2, 3, 4, 5), "scale": rand(3), "B": rand(3)}
    check_against("InstanceNormalization", inputs, {"consumed_inputs": [0, 0, 0]}, opset=1, ort_opset=6,
                  ort_attrs={}, rtol=1e-5, atol=1e-5)


def test_instance_normalization_float16():
    check_node("InstanceNormalization", {"X": rand(2, 3, 4, 5, dtype=np.float16), "scale": rand(3, dtype=np.float16),
                                         "B": rand(3, dtype=np.float16)}, {}, opset=6, rtol=1e-2, atol=1e-2)


# ----------------------------------------------------------------------------------------------
# LayerNormalization


@pytest.mark.parametrize("axis", [-1, -2, 1, 0])
@pytest.mark.parametrize("n_outputs", [1, 3])
def test_layer_normalization(axis, n_outputs):
    x = rand(2, 3, 4)
    norm_shape = x.shape[axis % x.ndim:]
    check_node("LayerNormalization", {"X": x, "Scale": rand(*norm_shape), "B": rand(*norm_shape)},
               {"axis": axis, "epsilon": 1e-3}, opset=17, n_outputs=n_outputs, rtol=1e-5, atol=1e-5)


def test_layer_normalization_without_bias_broadcast_scale():
    check_node("LayerNormalization", {"X": rand(2, 3, 4), "Scale": rand(4)}, {"axis": -2}, opset=17, n_outputs=3,
               rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype, tol", [(np.float16, 1e-2), (np.float64, 1e-9)])
def test_layer_normalization_types(dtype, tol):
    check_node("LayerNormalization", {"X": rand(2, 3, 8, dtype=dtype), "Scale": rand(8, dtype=dtype),
                                      "B": rand(8, dtype=dtype)}, {}, opset=17, n_outputs=3, rtol=tol, atol=tol)


def test_layer_normalization_only_inv_std_used():
    x, s = rand(2, 5), rand(5)
    node = helper.make_node("LayerNormalization", ["X", "S"], ["Y", "", "R"])
    model = make_model([node], {"X": x, "S": s}, ["Y", "R"], opset=17)
    check_model(model, {"X": x, "S": s}, rtol=1e-5, atol=1e-5)


# ----------------------------------------------------------------------------------------------
# GroupNormalization: onnx's shape inference leaves the output untyped, so these models are built
# with a typed output.


def group_norm_model(x, scale, bias, attrs, opset):
    node = helper.make_node("GroupNormalization", ["X", "scale", "bias"], ["Y"], **attrs)
    graph = helper.make_graph(
        [node], "g",
        [helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(v.dtype), v.shape)
         for n, v in (("X", x), ("scale", scale), ("bias", bias))],
        [helper.make_tensor_value_info("Y", helper.np_dtype_to_tensor_dtype(x.dtype), x.shape)],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8 if opset <= 18 else 10
    return model


@pytest.mark.parametrize("shape, groups", [((2, 4, 3, 3), 2), ((1, 6, 5), 3), ((2, 4, 2, 2, 2), 4), ((2, 4, 3), 1)])
def test_group_normalization_18(shape, groups):
    # onnx's checker calls revision 18 deprecated and refrt's session refuses the model, while
    # onnxruntime runs it: the kernel is called directly.
    x, scale, bias = rand(*shape), rand(groups), rand(groups)
    model = group_norm_model(x, scale, bias, {"num_groups": groups, "epsilon": 1e-3}, 18)
    expected = run_ort(model, {"X": x, "scale": scale, "bias": bias})
    providers.discover_all()
    entry = registry.lookup("", "GroupNormalization", 18, "CPUExecutionProvider")
    got = entry.fn(x, scale, bias, num_groups=groups, epsilon=1e-3)
    assert_same(expected, [got], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("shape, groups", [((2, 4, 3, 3), 2), ((1, 6, 5), 3), ((2, 4, 2, 2, 2), 4), ((2, 4, 3), 1)])
def test_group_normalization_21(shape, groups):
    x, scale, bias = rand(*shape), rand(shape[1]), rand(shape[1])
    check_model(group_norm_model(x, scale, bias, {"num_groups": groups}, 21),
                {"X": x, "scale": scale, "bias": bias}, rtol=1e-5, atol=1e-5)


def test_group_normalization_21_float16():
    x, scale, bias = rand(2, 4, 3, 3, dtype=np.float16), rand(4, dtype=np.float16), rand(4, dtype=np.float16)
    check_model(group_norm_model(x, scale, bias, {"num_groups": 2}, 21), {"X": x, "scale": scale, "bias": bias},
                rtol=1e-2, atol=1e-2)


# ----------------------------------------------------------------------------------------------
# RMSNormalization, MeanVarianceNormalization, LpNormalization


@pytest.mark.parametrize("axis", [-1, -2, 0])
def test_rms_normalization(axis):
    x = rand(2, 3, 4)
    check_node("RMSNormalization", {"X": x, "scale": rand(*x.shape[axis % x.ndim:])}, {"axis": axis, "epsilon": 1e-3},
               opset=23, rtol=1e-5, atol=1e-5)


def test_rms_normalization_float16_broadcast_scale():
    check_node("RMSNormalization", {"X": rand(2, 3, 4, dtype=np.float16), "scale": rand(4, dtype=np.float16)},
               {"axis": 1}, opset=23, rtol=1e-2, atol=1e-2)


@pytest.mark.parametrize("axes", [None, [0, 2, 3], [1], [-1, -2], [0, 1, 2, 3]])
@pytest.mark.parametrize("opset", [9, 13])
def test_mean_variance_normalization(axes, opset):
    attrs = {} if axes is None else {"axes": axes}
    check_node("MeanVarianceNormalization", {"X": rand(2, 3, 4, 5)}, attrs, opset=opset, rtol=1e-5, atol=1e-5)


def test_mean_variance_normalization_constant_input():
    # The spec's function body divides by std + 1e-9, so a constant input gives zeros; onnxruntime's
    # kernel divides by std alone and gives NaN (0/0): the spec is followed here.
    x = np.full((1, 2, 2, 2), 3.0, np.float32)
    model = make_node_model("MeanVarianceNormalization", {"X": x}, {}, opset=13)
    assert_same([np.zeros_like(x)], run_refrt(model, {"X": x}), rtol=0, atol=0)


@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("axis", [-1, 0, 1])
@pytest.mark.parametrize("opset", [1, 22])
def test_lp_normalization(p, axis, opset):
    check_node("LpNormalization", {"X": rand(3, 4, 2)}, {"p": p, "axis": axis}, opset=opset, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float64, np.float16])
def test_lp_normalization_zero_vector_and_types(dtype):
    x = rand(3, 4, dtype=dtype)
    x[1] = 0
    check_node("LpNormalization", {"X": x}, {}, opset=22, rtol=1e-3, atol=1e-3)


# ----------------------------------------------------------------------------------------------
# bfloat16 (revision 22 and later): onnxruntime's CPU provider has none of these, so the expectation
# is its float32 result, rounded to bfloat16.

BF16_CASES = [
    ("Conv", {"W": (3, 2, 3, 3)}, {"pads": [1, 1, 1, 1]}, 22),
    ("ConvTranspose", {"W": (2, 3, 3, 3)}, {"strides": [2, 2]}, 22),
    ("MaxPool", {}, {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1], "strides": [2, 2]}, 22),
    ("AveragePool", {}, {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1], "count_include_pad": 1}, 22),
    ("LpPool", {}, {"kernel_shape": [2, 2]}, 22),
    ("GlobalAveragePool", {}, {}, 22),
    ("GlobalMaxPool", {}, {}, 22),
    ("LRN", {}, {"size": 3}, 13),
    ("InstanceNormalization", {"scale": (2,), "B": (2,)}, {}, 22),
    ("BatchNormalization", {"scale": (2,), "B": (2,), "mean": (2,), "var": (2,)}, {}, 15),
    ("LayerNormalization", {"Scale": (6,), "B": (6,)}, {}, 17),
    ("RMSNormalization", {"scale": (6,)}, {}, 23),
    ("MeanVarianceNormalization", {}, {}, 13),
    ("LpNormalization", {}, {}, 22),
]


@pytest.mark.parametrize("op, extra, attrs, opset", BF16_CASES, ids=[c[0] for c in BF16_CASES])
def test_bfloat16(op, extra, attrs, opset):
    import ml_dtypes

    inputs = {"X": rand(2, 2, 5, 6)}
    inputs.update({name: rand(*shape) for name, shape in extra.items()})
    if "var" in inputs:
        inputs["var"] = np.abs(inputs["var"]) + 0.5
    bf16 = {k: v.astype(ml_dtypes.bfloat16) for k, v in inputs.items()}
    model = make_node_model(op, bf16, attrs, opset=opset)
    (got,) = run_refrt(model, bf16)
    as_f32 = {k: v.astype(np.float32) for k, v in bf16.items()}
    (expected,) = run_ort(make_node_model(op, as_f32, attrs, opset=opset), as_f32)
    assert got.dtype == ml_dtypes.bfloat16 and got.shape == expected.shape
    np.testing.assert_allclose(got.astype(np.float32), expected, rtol=1e-2, atol=1e-2)


# ----------------------------------------------------------------------------------------------
# Registration: every revision up to opset 28 has a kernel, whose attribute defaults are the schema's.

GROUP_OPS = [
    "Conv", "ConvTranspose", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "LpPool",
    "GlobalLpPool", "LRN", "BatchNormalization", "InstanceNormalization", "LayerNormalization",
    "GroupNormalization", "RMSNormalization", "MeanVarianceNormalization", "LpNormalization",
]


@pytest.mark.parametrize("op", GROUP_OPS)
def test_every_revision_has_a_kernel_with_schema_defaults(op):
    import inspect

    providers.discover_all()
    schemas = [s for s in onnx.defs.get_all_schemas_with_history() if s.name == op and s.domain == ""]
    assert schemas
    for schema in schemas:
        if schema.since_version > 28:
            continue
        entry = registry.lookup("", op, schema.since_version, "CPUExecutionProvider")
        assert entry is not None, f"{op}-{schema.since_version} has no kernel"
        params = {p.name: p for p in inspect.signature(entry.fn).parameters.values()
                  if p.kind is inspect.Parameter.KEYWORD_ONLY and not p.name.startswith("_")}
        assert set(params) == set(schema.attributes), f"{op}-{schema.since_version}: {entry.where}"
        for name, attr in schema.attributes.items():
            default = helper.get_attribute_value(attr.default_value) if attr.default_value.name else None
            if isinstance(default, bytes):
                default = default.decode()
            assert params[name].default == default, f"{op}-{schema.since_version}.{name}"
            assert type(params[name].default) is type(default), f"{op}-{schema.since_version}.{name}"


# ----------------------------------------------------------------------------------------------
# Empty tensors

EMPTY = np.zeros((0, 3, 5, 5), np.float32)
ONES3 = np.ones(3, np.float32)
EMPTY_CASES = [
    ("Conv", {"X": EMPTY, "W": rand(2, 3, 3, 3)}, {"pads": [1, 1, 1, 1]}, 11, 1),
    ("Conv", {"X": rand(1, 3, 5, 5), "W": np.zeros((0, 3, 3, 3), np.float32)}, {}, 11, 1),
    ("ConvTranspose", {"X": EMPTY, "W": rand(3, 2, 3, 3)}, {"strides": [2, 2]}, 11, 1),
    ("MaxPool", {"X": EMPTY}, {"kernel_shape": [2, 2]}, 12, 2),
    ("AveragePool", {"X": EMPTY}, {"kernel_shape": [2, 2], "pads": [1, 1, 1, 1]}, 19, 1),
    ("LpPool", {"X": EMPTY}, {"kernel_shape": [2, 2]}, 18, 1),
    ("GlobalAveragePool", {"X": EMPTY}, {}, 11, 1),
    ("GlobalMaxPool", {"X": EMPTY}, {}, 11, 1),
    ("GlobalLpPool", {"X": EMPTY}, {}, 11, 1),
    ("LRN", {"X": EMPTY}, {"size": 3}, 13, 1),
    ("BatchNormalization", {"X": EMPTY, "s": ONES3, "b": ONES3, "m": ONES3, "v": ONES3}, {}, 15, 1),
    ("InstanceNormalization", {"X": EMPTY, "s": ONES3, "b": ONES3}, {}, 22, 1),
    ("LayerNormalization", {"X": EMPTY, "s": np.ones(5, np.float32)}, {}, 17, 3),
    ("RMSNormalization", {"X": np.zeros((0, 5), np.float32), "s": np.ones(5, np.float32)}, {}, 23, 1),
    ("MeanVarianceNormalization", {"X": np.zeros((2, 3, 0, 4), np.float32)}, {"axes": [0, 1]}, 13, 1),
    ("LpNormalization", {"X": EMPTY}, {"axis": 1}, 22, 1),
]


@pytest.mark.parametrize("op, inputs, attrs, opset, n_outputs", EMPTY_CASES, ids=[c[0] for c in EMPTY_CASES])
def test_empty(op, inputs, attrs, opset, n_outputs):
    check_node(op, inputs, attrs, opset=opset, n_outputs=n_outputs)
