"""The Numba provider's convolution, pooling and LRN kernels (kernels/numba/op_fused_conv.py,
op_average_pool.py, op_max_pool.py, op_lrn.py) against the NumPy kernels and, through sessions, against
onnxruntime.

Tolerances: AveragePool adds the window in the NumPy kernel's order and divides by the same counts, so
it must be bit-identical (assert_array_equal). The compiled depthwise FusedConv adds each pixel's
products in kernel order where the NumPy kernel's BLAS blocks its own way: float32 within rtol 1e-5 /
atol 1e-6 (a few ulp of the sums), float64 within 1e-12. Delegated cases run the NumPy kernel itself,
with the compiled epilogue (bias, residual, Relu/Clip: the same operations in the same order):
bit-identical. MaxPool and LRN compute the NumPy kernels' operations in their order: bit-identical.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

pytest.importorskip("numba")

import onnx  # noqa: E402
from onnx import helper, numpy_helper  # noqa: E402

import refrt  # noqa: E402
from refrt import providers  # noqa: E402

# The NumPy kernel modules must register under the CPU provider before the Numba package (which imports
# them) is discovered, and the Numba modules under the Numba provider before they are imported here.
providers.CPU.discover()
providers.KNOWN["NumbaExecutionProvider"].discover()

from refrt.kernels.numba import op_average_pool as nb_avg  # noqa: E402
from refrt.kernels.numba import op_fused_conv as nb_conv  # noqa: E402
from refrt.kernels.numba import op_lrn as nb_lrn  # noqa: E402
from refrt.kernels.numba import op_max_pool as nb_max  # noqa: E402
from refrt.kernels.numpy import op_average_pool as np_avg  # noqa: E402
from refrt.kernels.numpy import op_fused_conv as np_conv  # noqa: E402
from refrt.kernels.numpy import op_lrn as np_lrn  # noqa: E402
from refrt.kernels.numpy import op_max_pool as np_max  # noqa: E402

from oracle import make_node_model, run_ort  # noqa: E402

NUMBA = ["NumbaExecutionProvider", "CPUExecutionProvider"]
rng = np.random.default_rng(7)


def _attrs(**given):
    """FusedConv's attributes with their defaults, as the prepared kernel holds them."""
    return dict(dict(auto_pad="NOTSET", dilations=None, group=1, kernel_shape=None, pads=None, strides=None,
                     activation="", activation_params=None, packed=0), **given)


def _tol(dtype):
    return dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)


DEPTHWISE = [  # (x shape, multiplier, kernel, attrs, activation, params, with z, with b)
    ((1, 6, 9, 9), 1, (3, 3), dict(pads=[1, 1, 1, 1], strides=[1, 1]), "", None, False, True),
    ((2, 5, 10, 11), 1, (3, 3), dict(pads=[1, 1, 1, 1], strides=[2, 2]), "Relu", None, True, True),
    ((1, 4, 8, 8), 2, (5, 5), dict(pads=[2, 1, 2, 0], strides=[1, 2]), "Clip", [0.0, 6.0], False, True),
    ((1, 3, 12, 12), 1, (3, 3), dict(dilations=[2, 2], auto_pad="SAME_UPPER"), "Sigmoid", None, True, False),
    ((1, 4, 7, 9), 1, (3, 2), dict(strides=[3, 1], auto_pad="SAME_LOWER"), "LeakyRelu", [0.1], False, True),
    ((1, 3, 6, 6), 1, (3, 3), dict(), "Clip", [float("nan"), 1.0], False, True),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("packed", [0, 1])
@pytest.mark.parametrize("case", range(len(DEPTHWISE)))
def test_depthwise_matches_numpy(case, packed, dtype):
    xs, mult, kernel, attrs, act, params, with_z, with_b = DEPTHWISE[case]
    c = xs[1]
    x = rng.standard_normal(xs).astype(dtype)
    w = rng.standard_normal((c * mult, 1) + kernel).astype(dtype)
    b = rng.standard_normal(c * mult).astype(dtype) if with_b else None
    full = _attrs(**attrs, group=c, kernel_shape=list(kernel), activation=act, activation_params=params, packed=packed)
    ref_run = np_conv.prepare_fused_conv(**full)
    got_run = nb_conv.prepare_fused_conv(**full)
    wk = w.reshape(c * mult, -1) if packed else w
    plain = ref_run(x, wk, b)
    z = rng.standard_normal(plain.shape).astype(dtype) if with_z else None
    expected = ref_run(x, wk, b, z)
    plan = nb_conv._plan(x, wk, full)
    assert plan, "the depthwise case must take the compiled path"
    got = got_run(x, wk, b, z)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    np.testing.assert_allclose(got, expected, **_tol(dtype))


@pytest.mark.parametrize("xs,m,group,kernel,dtype", [
    ((1, 8, 6, 6), 8, 4, (1, 1), np.float32),   # ShuffleNet's grouped 1x1: BLAS measured faster
    ((1, 1, 8, 8), 4, 1, (3, 3), np.float32),   # MNIST's first layer: BLAS measured faster
    ((1, 4, 6, 6), 4, 4, (3, 3), np.float16),   # depthwise in float16: not compiled
])
def test_delegated_conv_is_the_numpy_kernel(xs, m, group, kernel, dtype):
    x = rng.standard_normal(xs).astype(dtype)
    w = rng.standard_normal((m, xs[1] // group) + kernel).astype(dtype)
    b = rng.standard_normal(m).astype(dtype)
    attrs = dict(group=group, kernel_shape=list(kernel), pads=[1, 1, 1, 1] if kernel[0] == 3 else None,
                 activation="Relu")
    assert not nb_conv._plan(x, w, _attrs(**attrs))
    np.testing.assert_array_equal(nb_conv.prepare_fused_conv(**attrs)(x, w, b),
                                  np_conv.prepare_fused_conv(**attrs)(x, w, b))


def test_depthwise_broadcast_z_delegates():
    x = rng.standard_normal((1, 3, 5, 5)).astype(np.float32)
    w = rng.standard_normal((3, 1, 3, 3)).astype(np.float32)
    z = rng.standard_normal((1, 3, 1, 1)).astype(np.float32)
    attrs = dict(group=3, pads=[1, 1, 1, 1])
    np.testing.assert_array_equal(nb_conv.prepare_fused_conv(**attrs)(x, w, None, z),
                                  np_conv.prepare_fused_conv(**attrs)(x, w, None, z))


POOLS = [  # (x shape, attrs)
    ((1, 3, 9, 9), dict(kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])),
    ((2, 4, 10, 11), dict(kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], count_include_pad=1)),
    ((1, 2, 10, 10), dict(kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1)),
    ((1, 2, 11, 10), dict(kernel_shape=[3, 3], strides=[2, 3], pads=[1, 0, 2, 1], ceil_mode=1, count_include_pad=1)),
    ((1, 2, 12, 12), dict(kernel_shape=[3, 3], strides=[2, 2], dilations=[2, 2], pads=[1, 1, 1, 1])),
    ((1, 2, 9, 9), dict(kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_UPPER")),
    ((1, 2, 9, 8), dict(kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_LOWER", count_include_pad=1)),
    ((1, 5, 6, 6), dict(kernel_shape=[7, 7], pads=[0, 0, 1, 1])),
    ((1, 5, 7, 7), dict(kernel_shape=[7, 7])),
    ((1, 2, 8, 8), dict(kernel_shape=[2, 2], strides=[2, 2])),
    ((1, 3, 8, 8), dict(kernel_shape=[3, 3], pads=[1, 1, 1, 1])),
    ((2, 3, 7, 6), dict(kernel_shape=[3, 2], pads=[1, 0, 1, 1], count_include_pad=1)),
    ((1, 2, 9, 10), dict(kernel_shape=[2, 3], dilations=[2, 1], strides=[1, 2], ceil_mode=1)),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", range(len(POOLS)))
def test_average_pool_identical_to_numpy(case, dtype):
    xs, attrs = POOLS[case]
    x = rng.standard_normal(xs).astype(dtype)
    x[0, 0, 0, 0] = np.nan  # NaN reaches the windows that hold it, as in the NumPy kernel
    got = nb_avg.average_pool_19(x, **attrs)
    expected = np_avg.average_pool_19(x, **attrs)
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("xs,attrs,dtype", [
    ((1, 2, 9, 9), dict(kernel_shape=[3, 3], strides=[2, 2]), np.float16),             # float16
    ((1, 2, 9), dict(kernel_shape=[3], strides=[2]), np.float32),                      # 1-D
])
def test_average_pool_delegated(xs, attrs, dtype):
    x = rng.standard_normal(xs).astype(dtype)
    np.testing.assert_array_equal(nb_avg.average_pool_19(x, **attrs), np_avg.average_pool_19(x, **attrs))


def test_average_pool_old_revisions():
    x = rng.standard_normal((1, 2, 9, 9)).astype(np.float32)
    attrs = dict(kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    np.testing.assert_array_equal(nb_avg.average_pool_1(x, **attrs), np_avg.average_pool_1(x, **attrs))
    np.testing.assert_array_equal(nb_avg.average_pool_7(x, count_include_pad=1, **attrs),
                                  np_avg.average_pool_7(x, count_include_pad=1, **attrs))
    np.testing.assert_array_equal(nb_avg.average_pool_10(x, ceil_mode=1, **attrs),
                                  np_avg.average_pool_10(x, ceil_mode=1, **attrs))


# -- through sessions, against onnxruntime --------------------------------------------------------

def _providers_of(sess) -> dict[str, set]:
    path = sess.end_profiling()
    try:
        with open(path) as f:
            events = json.load(f)
    finally:
        os.remove(path)
    where: dict[str, set] = {}
    for e in events:
        if e.get("cat") == "Node":
            where.setdefault(e["args"]["op_name"], set()).add(e["args"]["provider"])
    return where


def _session(model: onnx.ModelProto, tmp_path, **options):
    so = refrt.SessionOptions()
    so.enable_profiling = True
    so.profile_file_prefix = str(tmp_path / "prof")
    for k, v in options.items():
        setattr(so, k, v)
    return refrt.InferenceSession(model.SerializeToString(), so, providers=NUMBA)


@pytest.mark.parametrize("opset", [7, 11, 19])
def test_average_pool_session_matches_onnxruntime(opset, tmp_path):
    x = rng.standard_normal((1, 3, 11, 11)).astype(np.float32)
    attrs = dict(kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], count_include_pad=1)
    model = make_node_model("AveragePool", {"X": x}, attrs, opset=opset)
    sess = _session(model, tmp_path)
    got = sess.run(None, {"X": x})
    np.testing.assert_allclose(got[0], run_ort(model, {"X": x})[0], rtol=1e-6, atol=1e-6)
    assert _providers_of(sess)["AveragePool"] == {"NumbaExecutionProvider"}


def _depthwise_model(c: int, stride: int, residual: bool) -> onnx.ModelProto:
    w = rng.standard_normal((c, 1, 3, 3)).astype(np.float32)
    b = rng.standard_normal(c).astype(np.float32)
    nodes = [helper.make_node("Conv", ["X", "W", "B"], ["conv"], group=c, kernel_shape=[3, 3],
                              pads=[1, 1, 1, 1], strides=[stride, stride])]
    last = "conv"
    if residual:
        nodes.append(helper.make_node("Add", ["conv", "X"], ["sum"]))
        last = "sum"
    nodes.append(helper.make_node("Relu", [last], ["Y"]))
    graph = helper.make_graph(
        nodes, "dw", [helper.make_tensor_value_info("X", onnx.TensorProto.FLOAT, [1, c, 10, 10])],
        [helper.make_tensor_value_info("Y", onnx.TensorProto.FLOAT, None)],
        [numpy_helper.from_array(w, "W"), numpy_helper.from_array(b, "B")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model


@pytest.mark.parametrize("stride,residual", [(1, True), (2, False)])
def test_depthwise_session_matches_onnxruntime(stride, residual, tmp_path):
    model = _depthwise_model(6, stride, residual)
    x = rng.standard_normal((1, 6, 10, 10)).astype(np.float32)
    sess = _session(model, tmp_path, intra_op_num_threads=2)
    got = sess.run(None, {"X": x})[0]
    np.testing.assert_allclose(got, run_ort(model, {"X": x})[0], rtol=1e-5, atol=1e-5)
    where = _providers_of(sess)
    assert where.get("FusedConv") == {"NumbaExecutionProvider"}, where


EPILOGUES = [  # (activation, params, with b, with z)
    ("Relu", None, True, False), ("Relu", None, True, True), ("", None, True, False), ("", None, False, True),
    ("Clip", [0.0, 6.0], True, False), ("Clip", [float("nan"), 0.5], False, True), ("Relu", None, False, False),
    ("Sigmoid", None, True, True),  # not compiled: the NumPy epilogue
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", range(len(EPILOGUES)))
def test_epilogue_identical_to_numpy(case, dtype):
    activation, params, with_b, with_z = EPILOGUES[case]
    y = rng.standard_normal((2, 5, 2500)).astype(dtype)  # planes longer than a block: two blocks each
    y[0, 1, :7] = [np.nan, -0.0, 0.0, -np.inf, np.inf, 7.0, -7.0]
    b = rng.standard_normal(5).astype(dtype) if with_b else None
    z = rng.standard_normal(y.shape).astype(dtype) if with_z else None
    want = np_conv.epilogue(y.copy(), b, z, activation, params)
    got_in = y.copy()
    got = nb_conv.epilogue(got_in, b, z, activation, params)
    assert got is got_in  # in place, as the NumPy epilogue
    np.testing.assert_array_equal(got, want)
    assert np.array_equal(np.signbit(got), np.signbit(want))  # -0.0 stays -0.0 through Relu


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dense_conv_with_compiled_epilogue_identical(dtype):
    """A dense 3x3 convolution runs the NumPy fast path (and the banded path for a large image) with the
    Numba epilogue: the same numbers as the NumPy kernel."""
    attrs = dict(pads=[1, 1, 1, 1], activation="Relu")
    for xs in [(1, 4, 12, 12), (1, 8, 160, 160)]:
        x = rng.standard_normal(xs).astype(dtype)
        w = rng.standard_normal((6, xs[1], 3, 3)).astype(dtype)
        b = rng.standard_normal(6).astype(dtype)
        z = rng.standard_normal((xs[0], 6) + xs[2:]).astype(dtype)
        for zz in (None, z):
            np.testing.assert_array_equal(nb_conv.prepare_fused_conv(**attrs)(x, w, b, zz),
                                          np_conv.prepare_fused_conv(**attrs)(x, w, b, zz))


LRNS = [((1, 7, 5, 6), 5), ((2, 3, 4, 4), 3), ((1, 6, 9), 4), ((1, 4, 2, 3, 2), 1), ((1, 2, 3, 3), 7)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", range(len(LRNS)))
def test_lrn_identical_to_numpy(case, dtype):
    xs, size = LRNS[case]
    x = rng.standard_normal(xs).astype(dtype)
    x.flat[3] = np.nan
    attrs = dict(alpha=2e-4, beta=0.75, bias=2.0, size=size)
    np.testing.assert_array_equal(nb_lrn.lrn(x, **attrs), np_lrn.lrn(x, **attrs))


def test_lrn_parallel_planes_identical():
    from refrt import intra_op

    x = rng.standard_normal((1, 32, 56, 56)).astype(np.float32)  # above PARALLEL_MIN_WORK: split in chunks
    intra_op.set_threads(2)
    try:
        np.testing.assert_array_equal(nb_lrn.lrn(x, size=5), np_lrn.lrn(x, size=5))
    finally:
        intra_op.set_threads(0)


def test_lrn_delegates_float16_and_errors():
    x = rng.standard_normal((1, 4, 3, 3)).astype(np.float16)
    np.testing.assert_array_equal(nb_lrn.lrn(x, size=3), np_lrn.lrn(x, size=3))
    with pytest.raises(ValueError, match="size"):
        nb_lrn.lrn(x.astype(np.float32))


MAX_POOLS = [  # (x shape, attrs), all compiled
    ((1, 4, 28, 28), dict(kernel_shape=[2, 2], strides=[2, 2])),
    ((2, 3, 9, 9), dict(kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])),
    ((1, 2, 10, 11), dict(kernel_shape=[3, 3], strides=[2, 3], pads=[0, 1, 2, 1], ceil_mode=1)),
    ((1, 2, 12, 12), dict(kernel_shape=[3, 2], strides=[2, 2], dilations=[2, 3])),
    ((1, 2, 9, 9), dict(kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_UPPER")),
    ((1, 2, 8, 8), dict(kernel_shape=[3, 3], strides=[1, 1], pads=[1, 1, 1, 1])),
    ((1, 2, 6, 7), dict(kernel_shape=[3, 3], strides=[1, 1], dilations=[1, 2], auto_pad="SAME_LOWER")),
    ((1, 96, 40, 40), dict(kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1)),  # large: planes split in chunks
]


@pytest.fixture
def two_threads():
    """Kernels called from this thread may use two threads (large inputs split their planes)."""
    from refrt import intra_op

    intra_op.set_threads(2)
    yield
    intra_op.set_threads(0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", range(len(MAX_POOLS)))
def test_max_pool_identical_to_numpy(case, dtype, two_threads):
    xs, attrs = MAX_POOLS[case]
    x = rng.standard_normal(xs).astype(dtype)
    x.flat[::13] = np.nan  # NaN wins, as np.maximum
    x.flat[5::17] = -0.0  # ties of -0.0 and 0.0 come out as in np.maximum (the later tap)
    x.flat[6::17] = 0.0
    compiled = nb_max._compiled(x, attrs["kernel_shape"], attrs.get("strides"), attrs.get("pads"),
                                attrs.get("auto_pad", "NOTSET"), attrs.get("dilations"), attrs.get("ceil_mode", 0))
    assert compiled is not None
    np.testing.assert_array_equal(compiled, np_max.max_pool_10(x, **attrs)[0])
    got, want = nb_max.max_pool_10(x, **attrs), np_max.max_pool_10(x, **attrs)
    np.testing.assert_array_equal(got[0], want[0])
    assert got[1] is None and want[1] is None
    np.testing.assert_array_equal(nb_max.max_pool_1(x, **{k: v for k, v in attrs.items() if k in
                                                          ("kernel_shape", "strides", "pads", "auto_pad")}),
                                  np_max.max_pool_1(x, **{k: v for k, v in attrs.items() if k in
                                                          ("kernel_shape", "strides", "pads", "auto_pad")}))


def test_max_pool_indices_delegated():
    x = rng.standard_normal((1, 2, 6, 6)).astype(np.float32)
    attrs = dict(kernel_shape=[2, 2], strides=[2, 2], _output_used=(True, True))
    got, want = nb_max.max_pool_10(x, **attrs), np_max.max_pool_10(x, **attrs)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    with pytest.raises(ValueError, match="storage_order"):
        nb_max.max_pool_10(x, kernel_shape=[2, 2], strides=[2, 2], storage_order=3)


def _cnn_model() -> onnx.ModelProto:
    """Conv + Relu, LRN, MaxPool: what AlexNet/ZFNet/Inception's stems chain."""
    w = rng.standard_normal((8, 3, 3, 3)).astype(np.float32)
    b = rng.standard_normal(8).astype(np.float32)
    nodes = [helper.make_node("Conv", ["X", "W", "B"], ["c"], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["r"]),
             helper.make_node("LRN", ["r"], ["n"], size=5, alpha=1e-4, beta=0.75, bias=1.0),
             helper.make_node("MaxPool", ["n"], ["Y"], kernel_shape=[3, 3], strides=[2, 2])]
    graph = helper.make_graph(
        nodes, "cnn", [helper.make_tensor_value_info("X", onnx.TensorProto.FLOAT, [1, 3, 20, 20])],
        [helper.make_tensor_value_info("Y", onnx.TensorProto.FLOAT, None)],
        [numpy_helper.from_array(w, "W"), numpy_helper.from_array(b, "B")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    return model


def test_conv_lrn_max_pool_session_matches_onnxruntime(tmp_path):
    model = _cnn_model()
    x = rng.standard_normal((1, 3, 20, 20)).astype(np.float32)
    sess = _session(model, tmp_path)
    got = sess.run(None, {"X": x})[0]
    np.testing.assert_allclose(got, run_ort(model, {"X": x})[0], rtol=1e-5, atol=1e-5)
    where = _providers_of(sess)
    for op in ("FusedConv", "LRN", "MaxPool"):
        assert where.get(op) == {"NumbaExecutionProvider"}, where
    cpu = refrt.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    np.testing.assert_array_equal(got, cpu.run(None, {"X": x})[0])  # bit-identical to the NumPy provider
