"""The CUDA provider's kernels (kernels/cupy) against the NumPy kernels they replace.

On every machine each case runs on the NumPy stand-in device module (refrt.device.numpy_standin): the
inputs go "to the device" (FakeDeviceArray), the CUDA kernel runs, and the test checks that the result
stayed on the device, took the device path (no NumPy kernel run through ``on_host``) and equals the
NumPy kernel's result. With CuPy and a GPU the same cases run on cupy arrays (the ElementwiseKernel
paths included) with GPU tolerances: float32 rtol 1e-4 / atol 1e-5 (cuBLAS / TF32 and reduction
order), float16 rtol / atol 1e-2; they skip here with the reason.
"""

from __future__ import annotations

import numpy as np
import onnx
import pytest

from refrt import cuda_emulator, device, registry
from refrt.kernels.cupy import _xp

CUDA = "CUDAExecutionProvider"
# the CUDA provider's kernels: its own, and NumPy kernels it reuses unchanged (kernels/cupy/__init__.reuse)
PACKAGES = ("refrt.kernels.cupy", "refrt.kernels.numpy")
registry.discover("refrt.kernels.numpy", registry.DEFAULT_PROVIDER)
registry.discover("refrt.kernels.cupy", CUDA)

rng = np.random.default_rng(0)


def f32(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def i32(*shape):
    return rng.integers(-1000, 1000, shape).astype(np.int32)


def i64(*values):
    return np.array(values, dtype=np.int64)


# (id, op, domain, version, inputs, attrs, facts): inputs that refrt.device.HOST_INPUTS lists stay on the host.
CASES = [
    ("matmul", "MatMul", "", 13, [f32(2, 3, 4), f32(4, 5)], {}),
    ("matmul_1d", "MatMul", "", 13, [f32(4), f32(2, 4, 3)], {}),
    ("matmul_f16", "MatMul", "", 13, [f32(3, 8).astype(np.float16), f32(8, 2).astype(np.float16)], {}),
    ("gemm", "Gemm", "", 13, [f32(3, 4), f32(5, 4), f32(5)], dict(alpha=0.5, beta=2.0, transB=1)),
    ("gemm_nobias", "Gemm", "", 13, [f32(4, 3), f32(4, 5)], dict(transA=1)),
    ("gemm_7", "Gemm", "", 9, [f32(3, 4), f32(4, 5), f32(3, 1)], {}),
    ("fused_gemm_relu", "FusedGemm", "refrt", 1, [f32(3, 4), f32(4, 5), f32(5)], dict(activation="Relu")),
    ("fused_gemm_clip", "FusedGemm", "refrt", 1, [f32(3, 4), f32(4, 5), f32(1, 5)],
     dict(activation="Clip", activation_params=[-0.5, 0.5], beta=0.5)),
    ("fused_matmul", "FusedMatMul", "refrt", 1, [f32(2, 3, 4), f32(2, 5, 4), f32(5)],
     dict(transB=1, activation="Sigmoid")),
    ("fused_matmul_leaky", "FusedMatMul", "refrt", 1, [f32(2, 4, 3), f32(4, 5)],
     dict(transA=1, activation="LeakyRelu", activation_params=[0.1])),
    ("conv", "Conv", "", 13, [f32(2, 3, 7, 6), f32(4, 3, 3, 3), f32(4)], dict(pads=[1, 1, 1, 1], strides=[2, 1])),
    ("conv_dilated", "Conv", "", 13, [f32(1, 2, 9, 9), f32(3, 2, 3, 3)], dict(dilations=[2, 2], auto_pad="SAME_UPPER")),
    ("conv_grouped", "Conv", "", 13, [f32(1, 4, 5, 5), f32(6, 2, 3, 3), f32(6)], dict(group=2)),
    ("conv_depthwise", "Conv", "", 13, [f32(2, 4, 6, 6), f32(4, 1, 3, 3)], dict(group=4, pads=[1, 1, 1, 1])),
    ("conv_1x1", "Conv", "", 13, [f32(1, 8, 4, 4), f32(5, 8, 1, 1), f32(5)], {}),
    ("conv_1d", "Conv", "", 13, [f32(2, 3, 10), f32(4, 3, 3)], dict(strides=[2])),
    ("conv_f16", "Conv", "", 13, [f32(1, 3, 5, 5).astype(np.float16), f32(2, 3, 3, 3).astype(np.float16)], {}),
    ("fused_conv", "FusedConv", "refrt", 1, [f32(1, 3, 6, 6), f32(4, 3, 3, 3), f32(4), f32(1, 4, 6, 6)],
     dict(pads=[1, 1, 1, 1], activation="Relu")),
    ("fused_conv_grouped", "FusedConv", "refrt", 1, [f32(2, 4, 5, 5), f32(4, 1, 3, 3), f32(4)],
     dict(group=4, activation="HardSigmoid", activation_params=[0.2, 0.5])),
    ("fused_conv_packed", "FusedConv", "refrt", 1, [f32(1, 3, 6, 6), f32(4, 27), f32(4)],
     dict(packed=1, kernel_shape=[3, 3], activation="Tanh")),
    ("fused_chain", "FusedElementwise", "refrt", 1, [f32(2, 3, 4, 4), f32(3, 1, 1), f32(3, 1, 1)],
     dict(ops=["Mul", "Add", "Relu"], operands=[0, 1, -1, 2, -1])),
    ("fused_chain_all", "FusedElementwise", "refrt", 1,
     [np.abs(f32(4, 5)) + 0.5, f32(5), np.array(-0.3, np.float32), np.array(0.7, np.float32)],
     dict(ops=["Sqrt", "Log", "Sub", "Max", "Min", "Tanh", "Sigmoid", "Exp", "Div", "Neg", "Abs", "Clip",
               "Reciprocal", "Floor", "Pow", "Sin", "Cos", "Ceil"],
          operands=[0, -1, -1, 1, -1, 1, -1, 1, -1, -1, -1, -1, 0, -1, -1, -1, 2, 3, -1, -1, -1, 0, -1, -1, -1])),
    ("softmax", "Softmax", "", 13, [f32(2, 3, 5)], {}),
    ("softmax_axis1", "Softmax", "", 13, [f32(2, 3, 5)], dict(axis=1)),
    ("softmax_11", "Softmax", "", 11, [f32(2, 3, 5)], dict(axis=1)),
    ("log_softmax", "LogSoftmax", "", 13, [f32(4, 7)], {}),
    ("log_softmax_11", "LogSoftmax", "", 11, [f32(2, 3, 5)], dict(axis=1)),
    ("layer_norm", "LayerNormalization", "", 17, [f32(2, 3, 8), f32(8), f32(8)], dict(_output_used=(True,))),
    ("layer_norm_stats", "LayerNormalization", "", 17, [f32(2, 3, 8), f32(3, 8)],
     dict(axis=1, _output_used=(True, True, True))),
    ("skip_layer_norm", "SkipLayerNormalization", "refrt", 1, [f32(2, 3, 8), f32(2, 3, 8), f32(8), f32(8), f32(8)],
     dict(_output_used=(True, False, False, True))),
    ("rms_norm", "RMSNormalization", "", 23, [f32(2, 3, 8), f32(8)], {}),
    ("gelu", "Gelu", "", 20, [f32(3, 50) * 3], {}),
    ("gelu_tanh", "Gelu", "", 20, [f32(3, 50) * 3], dict(approximate="tanh")),
    ("refrt_gelu", "Gelu", "refrt", 1, [f32(4, 10)], {}),
    ("bias_gelu", "BiasGelu", "refrt", 1, [f32(2, 3, 10), f32(10)], {}),
    ("mha", "MultiHeadAttention", "refrt", 1, [f32(2, 5, 8), f32(2, 6, 8), f32(2, 6, 8), f32(2, 1, 1, 6)],
     dict(num_heads=2)),
    ("mha_packed", "MultiHeadAttention", "refrt", 1, [f32(2, 4, 24)], dict(num_heads=2, scale=0.5)),
    ("reduce_sum", "ReduceSum", "", 13, [f32(2, 3, 4), i64(1, -1)], {}),
    ("reduce_sum_all", "ReduceSum", "", 13, [f32(2, 3, 4)], dict(keepdims=0)),
    ("reduce_sum_11", "ReduceSum", "", 11, [f32(2, 3, 4)], dict(axes=[1])),
    ("reduce_mean", "ReduceMean", "", 18, [f32(2, 3, 4), i64(2)], dict(keepdims=0)),
    ("reduce_mean_13", "ReduceMean", "", 13, [f32(2, 3, 4)], dict(axes=[0, 2])),
    ("reduce_max", "ReduceMax", "", 18, [f32(2, 3, 4), i64(1)], {}),
    ("reduce_min", "ReduceMin", "", 18, [f32(2, 3, 4), i64(0)], {}),
    ("reduce_prod", "ReduceProd", "", 18, [f32(2, 3, 4), i64(2)], {}),
    ("arg_max", "ArgMax", "", 13, [f32(3, 4, 5)], dict(axis=1)),
    ("arg_max_last", "ArgMax", "", 13, [np.array([[1, 3, 3], [2, 2, 0]], np.float32)],
     dict(axis=1, keepdims=0, select_last_index=1)),
    ("max_pool", "MaxPool", "", 12, [f32(2, 3, 7, 7)],
     dict(kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], _output_used=(True,))),
    ("max_pool_ceil", "MaxPool", "", 12, [f32(1, 2, 6, 6)],
     dict(kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1, _output_used=(True,))),
    ("average_pool", "AveragePool", "", 19, [f32(2, 3, 7, 7)], dict(kernel_shape=[3, 3], pads=[1, 1, 1, 1])),
    ("lrn", "LRN", "", 13, [f32(2, 6, 4, 4)], dict(size=5, alpha=1e-3, beta=0.75, bias=2.0)),
    ("lrn_f16", "LRN", "", 13, [f32(1, 4, 3, 3).astype(np.float16)], dict(size=3)),
    # NumPy kernels reused unchanged (kernels/cupy/reused.py)
    ("batch_norm", "BatchNormalization", "", 15,
     [f32(2, 3, 4, 4), f32(3), f32(3), f32(3), np.abs(f32(3)) + 0.5], dict(epsilon=1e-5)),
    ("instance_norm", "InstanceNormalization", "", 6, [f32(2, 3, 4, 5), f32(3), f32(3)], dict(epsilon=1e-5)),
    ("lp_norm", "LpNormalization", "", 22, [f32(3, 4, 5)], dict(axis=1, p=2)),
    ("cum_sum", "CumSum", "", 14, [f32(3, 4), np.array(1, np.int64)], dict(exclusive=1, reverse=1)),
    ("depth_to_space", "DepthToSpace", "", 13, [f32(1, 8, 2, 3)], dict(blocksize=2, mode="CRD")),
    ("space_to_depth", "SpaceToDepth", "", 13, [f32(1, 2, 4, 6)], dict(blocksize=2)),
    ("global_max_pool", "GlobalMaxPool", "", 22, [f32(2, 3, 4, 5)], {}),
    ("hardmax", "Hardmax", "", 13, [f32(3, 4, 5)], dict(axis=1)),
    ("tile", "Tile", "", 13, [f32(2, 3), np.array([2, 1], np.int64)], {}),
    ("trilu", "Trilu", "", 14, [f32(4, 5), np.array(-1, np.int64)], dict(upper=0)),
    *(
        (op.lower(), op, "", onnx.defs.get_schema(op).since_version, inputs, {})
        for op, inputs in [
            *((op, [np.tanh(f32(3, 4)) * 0.9]) for op in ("Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Sinh",
                                                          "Cosh", "Asinh", "Atanh", "Floor", "Ceil", "Round",
                                                          "Sign", "IsNaN", "IsInf")),
            ("Acosh", [np.abs(f32(3, 4)) + 1]),
            ("ThresholdedRelu", [f32(3, 4)]),
            *((op, [f32(3, 4), f32(4)]) for op in ("Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual")),
            ("Not", [f32(3, 4) > 0]),
            *((op, [f32(3, 4) > 0, f32(3, 1) > 0]) for op in ("And", "Or", "Xor")),
            *((op, [i32(3, 4), i32(4)]) for op in ("BitwiseAnd", "BitwiseOr", "BitwiseXor")),
            ("BitwiseNot", [i32(3, 4)]),
            *((op, [f32(3, 4) * 2]) for op in ("Erf", "Elu", "Selu", "Softplus", "Shrink")),
            ("Mod", [i32(3, 4), np.array([7, -5, 3, 11], np.int32)]),
            *((op, [f32(3, 4) * 3]) for op in ("LeakyRelu", "HardSigmoid", "HardSwish", "Softsign", "Swish",
                                                "Mish", "Celu")),
            ("PRelu", [f32(2, 3, 4), np.abs(f32(3, 1)) * 0.3]),
            ("Pow", [np.abs(f32(3, 4)) + 0.1, f32(4)]),
            *((op, [f32(3, 4), f32(4), f32(1, 4)]) for op in ("Max", "Min", "Sum", "Mean")),
            ("Expand", [f32(3, 1), i64(2, 3, 4)]),
            *((op, [f32(3, 4, 5), i64(2)]) for op in ("ReduceL1", "ReduceL2", "ReduceSumSquare", "ReduceLogSum")),
            ("Det", [f32(2, 3, 3)]),
        ]
    ),
    ("split", "Split", "", 18, [f32(4, 6), i64(2, 4)], dict(axis=1, _num_outputs=2)),
    ("pad", "Pad", "", 21, [f32(2, 3), i64(0, 1, 1, 2), np.array(1.5, np.float32)], dict(mode="constant")),
    ("pad_reflect", "Pad", "", 21, [f32(2, 4), i64(0, 2, 0, 1)], dict(mode="reflect")),
    ("arg_min", "ArgMin", "", 13, [f32(3, 4, 5)], dict(axis=1, keepdims=0, select_last_index=1)),
    ("cum_prod", "CumProd", "", 26, [f32(3, 4), np.array(1, np.int64)], dict(exclusive=1)),
    ("reduce_log_sum_exp", "ReduceLogSumExp", "", 18, [f32(3, 4, 5), i64(1)], dict(keepdims=0)),
    ("bit_shift", "BitShift", "", 11, [np.arange(12, dtype=np.uint32).reshape(3, 4), np.array([1, 2, 3, 33], np.uint32)],
     dict(direction="LEFT")),
    ("average_pool_incl", "AveragePool", "", 19, [f32(1, 2, 5, 5)],
     dict(kernel_shape=[2, 2], strides=[2, 2], pads=[1, 1, 1, 1], count_include_pad=1)),
    ("global_average_pool", "GlobalAveragePool", "", 13, [f32(2, 3, 4, 5)], {}),
    ("relu", "Relu", "", 14, [f32(3, 4)], {}),
    ("sigmoid", "Sigmoid", "", 13, [f32(3, 4)], {}),
    ("tanh", "Tanh", "", 13, [f32(3, 4)], {}),
    ("exp", "Exp", "", 13, [f32(3, 4)], {}),
    ("log", "Log", "", 13, [np.abs(f32(3, 4)) + 0.1], {}),
    ("sqrt", "Sqrt", "", 13, [np.abs(f32(3, 4))], {}),
    ("neg_int", "Neg", "", 13, [i64(1, -2, 3)], {}),
    ("abs", "Abs", "", 13, [f32(3, 4)], {}),
    ("reciprocal", "Reciprocal", "", 13, [f32(3, 4)], {}),
    ("add", "Add", "", 14, [f32(2, 3, 4), f32(4)], {}),
    ("add_int", "Add", "", 14, [i64(1, 2, 3), i64(4, 5, 6)], {}),
    ("sub", "Sub", "", 14, [f32(2, 3, 4), f32(3, 1)], {}),
    ("mul", "Mul", "", 14, [f32(2, 3, 4), f32(1)], {}),
    ("div", "Div", "", 14, [f32(2, 3, 4), np.abs(f32(4)) + 0.5], {}),
    ("where", "Where", "", 16, [f32(3, 4) > 0, f32(3, 4), f32(4)], {}),
    ("clip", "Clip", "", 13, [f32(3, 4), np.array(-0.5, np.float32), np.array(0.5, np.float32)], {}),
    ("cast", "Cast", "", 13, [i64(1, 2, 3)], dict(to=1)),
    ("cast_f16", "Cast", "", 13, [f32(3, 4)], dict(to=10)),
    ("identity", "Identity", "", 16, [f32(3, 4)], {}),
    ("reshape", "Reshape", "", 14, [f32(2, 3, 4), i64(0, -1)], {}),
    ("flatten", "Flatten", "", 13, [f32(2, 3, 4)], dict(axis=2)),
    ("squeeze", "Squeeze", "", 13, [f32(2, 1, 4), i64(1)], {}),
    ("unsqueeze", "Unsqueeze", "", 13, [f32(2, 4), i64(0, 3)], {}),
    ("slice", "Slice", "", 13, [f32(5, 6), i64(1, -1), i64(4, 0), i64(0, 1), i64(2, -2)], {}),
    ("transpose", "Transpose", "", 13, [f32(2, 3, 4)], dict(perm=[2, 0, 1])),
    ("concat", "Concat", "", 13, [f32(2, 3), f32(2, 1), f32(2, 2)], dict(axis=1)),
    ("gather", "Gather", "", 13, [f32(5, 4), i64(0, -1, 2)], dict(axis=0)),
    ("gather_large", "Gather", "", 13, [f32(300, 4), rng.integers(-300, 300, (100,)).astype(np.int64)], {}),
]

# cases whose NumPy kernel is expected to run (on purpose) through on_host
HOST_PATH = {"neg_int": "neg", "add_int": None}


def _kernels(op, domain, version):
    cuda = registry.lookup(domain, op, version, CUDA)
    ref = registry.lookup(domain, op, version, registry.DEFAULT_PROVIDER)
    assert cuda is not None, f"no CUDA kernel for {domain}:{op} at {version}"
    assert cuda.provider == CUDA and cuda.fn.__module__.startswith(PACKAGES)
    return cuda, ref


def _call(entry, inputs, attrs):
    if entry.prepare:
        return entry.fn(**attrs)(*inputs)
    return entry.fn(*inputs, **attrs)


def _run(xp, op, domain, version, inputs, attrs):
    cuda, ref = _kernels(op, domain, version)
    host = device.HOST_INPUTS.get(op, ())
    on_device = [a if i in host else xp.asarray(a) for i, a in enumerate(inputs)]
    before = sum(_xp.HOST_RUNS.values())
    got = _call(cuda, on_device, attrs)
    host_runs = sum(_xp.HOST_RUNS.values()) - before
    want = _call(ref, [np.array(a) for a in inputs], attrs)
    return got, want, host_runs


def _outputs(value):
    return list(value) if isinstance(value, tuple) else [value]


def _tolerance(dtype, gpu: bool):
    if dtype == np.float16:
        return 1e-2, 1e-2
    if dtype == np.float64 or dtype.kind != "f":
        return 1e-9, 0
    return (1e-4, 1e-5) if gpu else (2e-5, 2e-6)


def _brought_back(name, got, want, device_array, to_host):
    """(device output copied to the host, NumPy kernel's output) for each output given, after checking that
    the device output stayed on the device and has the NumPy output's shape and dtype."""
    for g, w in zip(_outputs(got), _outputs(want)):
        if w is None:
            assert g is None
            continue
        assert isinstance(g, device_array), f"{name}: result left the device ({type(g).__name__})"
        g = to_host(g)
        assert g.shape == w.shape and g.dtype == w.dtype, (g.shape, g.dtype, w.shape, w.dtype)
        yield g, w


_emulates, _emulates_why = cuda_emulator.available()
MODULES = [pytest.param(device.STANDIN, id="standin"),
           pytest.param(device.EMULATOR, id="emulator", marks=pytest.mark.skipif(
               not _emulates, reason=f"the CUDA emulator cannot run here: {_emulates_why}"))]


@pytest.mark.parametrize("module", MODULES)
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_standin_matches_numpy_kernel(case, module):
    """On the plain stand-in every kernel takes its xp path; on the emulating one the kernels that build
    CUDA source run that source (compiled for the CPU, and by nvcc for the GPU where it is installed)."""
    name, op, domain, version, inputs, attrs = case
    got, want, host_runs = _run(device.module_named(module), op, domain, version, inputs, attrs)
    if name not in HOST_PATH:
        assert host_runs == 0, f"{name} ran its NumPy kernel on the host"
    for g, w in _brought_back(name, got, want, device.FakeDeviceArray, device.to_host):
        rtol, atol = _tolerance(w.dtype, gpu=False)
        if name.startswith(("gelu", "refrt_gelu", "bias_gelu")) or name == "fused_chain_all":
            rtol, atol = 1e-5, 1e-6  # erf by the rational approximation / a long chain in float32
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol)


def test_every_cuda_kernel_has_a_case_and_mirrors_numpy_revisions():
    """Each CUDA kernel covers revisions the NumPy provider also covers, with the same attributes."""
    tested = {(c[2], c[1]) for c in CASES}
    for e in registry.entries(CUDA):
        if not e.fn.__module__.startswith(PACKAGES):
            continue  # a test elsewhere registered its own
        assert (e.domain, e.op) in tested, f"no test case for {e.domain}:{e.op}"
        ref = registry.lookup(e.domain, e.op, e.since, registry.DEFAULT_PROVIDER)
        assert ref is not None and ref.covers(e.since), f"{e.op} [{e.since}, {e.until}] has no NumPy counterpart"
        assert e.attributes == ref.attributes, f"{e.op}: attributes {e.attributes} != NumPy's {ref.attributes}"


def test_host_fallback_brings_results_back_to_the_device():
    """A case the device has no path for (integer MaxPool) runs the NumPy kernel and returns device arrays."""
    x = rng.integers(0, 9, (1, 1, 4, 4)).astype(np.int32)
    got, want, host_runs = _run(device.numpy_standin, "MaxPool", "", 12, [x],
                                dict(kernel_shape=[2, 2], _output_used=(True,)))
    assert host_runs == 1 and isinstance(got, device.FakeDeviceArray)
    np.testing.assert_array_equal(device.numpy_standin.asnumpy(got), want)


def test_fused_chain_cuda_source():
    """The generated ElementwiseKernel body of a chain (compiled only on a GPU)."""
    from refrt.kernels.cupy.op_fused_elementwise import chain_body

    body = chain_body([("Mul", (0, 1)), ("Add", (-1, 2)), ("Relu", (-1,))])
    assert body == "T t0 = in0 * in1; T t1 = t0 + in2; T t2 = rf_relu(t1); out = t2;"


_gpu, _why = device.cuda_check()


@pytest.mark.skipif(not _gpu, reason=f"no usable GPU: {_why}")
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_gpu_matches_numpy_kernel(case):
    import cupy

    name, op, domain, version, inputs, attrs = case
    got, want, _ = _run(cupy, op, domain, version, inputs, attrs)
    cupy.cuda.Device().synchronize()
    for g, w in _brought_back(name, got, want, cupy.ndarray, cupy.asnumpy):
        rtol, atol = _tolerance(w.dtype, gpu=True)
        np.testing.assert_allclose(g, w, rtol=rtol, atol=max(atol, 1e-5 if w.dtype.kind == "f" else 0))
