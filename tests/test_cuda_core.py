"""CUDAExecutionProvider's logic on every machine: availability and fallback, provider options,
placement, the plan's explicit host-device copies, kernel reuse, IOBinding and OrtValue. The CPU tests
run the provider's code paths with the NumPy stand-in device module (refrt.device); kernels are
registered here for the CUDA provider in a test domain, so the counts do not depend on which kernels
kernels/cupy has. The GPU tests at the end need CuPy and a GPU and skip without them."""

from __future__ import annotations

import json

import numpy as np
import pytest
from onnx import TensorProto, helper

import refrt
from refrt import device as devices
from refrt.device import FakeDeviceArray, array_namespace
from refrt.errors import Fail, InvalidArgument
from refrt.iobinding import OrtValue

CUDA = "CUDAExecutionProvider"
CPU = "CPUExecutionProvider"
STANDIN = [(CUDA, {"device_module": "numpy-standin"}), CPU]
D = "refrt.test.cuda"  # test ops: kernels for both providers, each checking which side its input is on
SEEN: list[tuple[str, str]] = []  # (op, type of input) per kernel call


def _on_device(op, fn):
    def k(x, *, alpha=1.0):
        SEEN.append((op, type(x).__name__))
        assert isinstance(x, FakeDeviceArray), f"{op} on the device got a {type(x).__name__}"
        return fn(x, np.float32(alpha))
    k.__qualname__ = f"{op}_device"
    return k


def _on_host(op, fn):
    def k(x, *, alpha=1.0):
        SEEN.append((op, type(x).__name__))
        assert type(x) is np.ndarray, f"{op} on the host got a {type(x).__name__}"
        return fn(x, np.float32(alpha))
    k.__qualname__ = f"{op}_host"
    return k


for _op, _fn in {"Scale": lambda x, a: x * a, "Shift": lambda x, a: x + a}.items():
    refrt.kernel(_op, domain=D, provider=CUDA)(_on_device(_op, _fn))
    refrt.kernel(_op, domain=D)(_on_host(_op, _fn))
refrt.kernel("HostOnly", domain=D)(_on_host("HostOnly", lambda x, a: np.sqrt(np.abs(x)) + a))


@refrt.kernel("Softish", domain=D)
def softish(x, *, alpha=1.0):
    """A NumPy kernel written against its input's array module: reused unchanged on the device."""
    xp = array_namespace(x)
    e = xp.exp(x - x.max(axis=-1, keepdims=True))
    return (e / e.sum(axis=-1, keepdims=True) * alpha).astype(x.dtype)


refrt.kernel("Softish", domain=D, provider=CUDA)(softish)


def model(nodes, inputs=(("x", [2, 3]),), outputs=(("y", [2, 3]),), inits=()) -> bytes:
    graph = helper.make_graph(
        nodes, "g",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in inputs],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in outputs],
        list(inits),
    )
    opsets = [helper.make_opsetid("", 17), helper.make_opsetid(D, 1)]
    return helper.make_model(graph, opset_imports=opsets, ir_version=8).SerializeToString()


def op(name, ins, outs, **attrs):
    return helper.make_node(name, ins, outs, domain=D, **attrs)


CHAIN = model([op("Scale", ["x"], ["a"], alpha=2.0), op("Shift", ["a"], ["b"]), op("Scale", ["b"], ["y"], alpha=-1.0)])
FALLBACK = model([op("Scale", ["x"], ["a"], alpha=2.0), op("HostOnly", ["a"], ["b"]), op("Shift", ["b"], ["y"])])
X = np.random.default_rng(0).standard_normal((2, 3)).astype(np.float32)


def session(m, providers=None, **kw):
    return refrt.InferenceSession(m, providers=providers or STANDIN, **kw)


def ops_of(sess, outputs=None, **kw):
    plan = sess._compiled.plan_for(outputs or sess._output_names, **kw)
    return [(s.node.op_type, s.provider) for s in plan.steps]


def reference(m, feeds):
    return refrt.InferenceSession(m, providers=[CPU]).run(None, feeds)


# -- availability, fallback, options ------------------------------------------------------------
def test_cuda_is_not_available_without_a_gpu_and_a_plain_session_falls_back_with_a_warning(monkeypatch):
    monkeypatch.delenv(devices.ENV, raising=False)
    ok, reason = devices.cuda_check()
    if ok:
        pytest.skip("a GPU is here: CUDAExecutionProvider is available")
    assert reason  # says why: no CuPy, no device, or a kernel that failed
    assert CUDA not in refrt.get_available_providers()
    assert CUDA in refrt.get_all_providers()
    with pytest.warns(UserWarning, match="Specified provider 'CUDAExecutionProvider' is not in available"):
        sess = refrt.InferenceSession(CHAIN, providers=[CUDA, CPU])
    assert sess.get_providers() == [CPU]
    assert sess.transfers() == {}
    np.testing.assert_array_equal(sess.run(None, {"x": X})[0], reference(CHAIN, {"x": X})[0])


def test_the_environment_variable_makes_the_stand_in_available_for_tests(monkeypatch):
    monkeypatch.setenv(devices.ENV, "numpy-standin")
    assert CUDA in refrt.get_available_providers()
    sess = refrt.InferenceSession(CHAIN, providers=[CUDA, CPU])
    assert sess.get_providers() == [CUDA, CPU]
    assert sess._compiled.device.module == "numpy-standin"


def test_provider_options_device_id_ignored_names_and_errors():
    ignored = {"gpu_mem_limit": 2 << 30, "arena_extend_strategy": "kSameAsRequested",
               "cudnn_conv_algo_search": "EXHAUSTIVE", "do_copy_in_default_stream": True}
    sess = session(CHAIN, [(CUDA, {"device_module": "numpy-standin", "device_id": "0", **ignored}), CPU])
    assert sess.get_provider_options()[CUDA]["device_id"] == "0"
    assert sess.get_provider_options()[CUDA]["gpu_mem_limit"] == str(2 << 30)
    with pytest.raises(Fail, match='Unknown provider option: "no_such_option".'):
        session(CHAIN, [(CUDA, {"device_module": "numpy-standin", "no_such_option": 1}), CPU])
    with pytest.raises(Fail, match='Failed to parse provider option "device_id"'):
        session(CHAIN, [(CUDA, {"device_module": "numpy-standin", "device_id": "first"}), CPU])
    with pytest.raises(Fail, match="Invalid device id 3"):
        session(CHAIN, [(CUDA, {"device_module": "numpy-standin", "device_id": 3}), CPU])
    with pytest.raises(Fail, match='provider option "device_module"'):
        session(CHAIN, [(CUDA, {"device_module": "torch"}), CPU])
    # provider_options, the other way onnxruntime takes them
    sess = refrt.InferenceSession(CHAIN, providers=[CUDA, CPU],
                                  provider_options=[{"device_module": "numpy-standin", "device_id": 0}, {}])
    assert sess.get_providers() == [CUDA, CPU]


# -- placement and transfers --------------------------------------------------------------------
def test_a_chain_of_device_nodes_has_one_upload_and_one_download():
    sess = session(CHAIN)
    assert sess.placement() == {CUDA: 3}
    assert ops_of(sess) == [("MemcpyFromHost", CUDA), ("Scale", CUDA), ("Shift", CUDA), ("Scale", CUDA),
                            ("MemcpyToHost", CUDA)]
    SEEN.clear()
    out = sess.run(None, {"x": X})[0]
    assert type(out) is np.ndarray
    assert SEEN == [("Scale", "FakeDeviceArray"), ("Shift", "FakeDeviceArray"), ("Scale", "FakeDeviceArray")]
    assert sess.transfers() == {"MemcpyFromHost": 1, "MemcpyToHost": 1, "initializers": 0, "implicit": 0}
    np.testing.assert_array_equal(out, reference(CHAIN, {"x": X})[0])
    sess.run(None, {"x": X})
    assert sess.transfers()["MemcpyFromHost"] == 2 and sess.transfers()["MemcpyToHost"] == 2


def test_a_node_without_a_cuda_kernel_falls_back_with_a_download_before_and_an_upload_after():
    sess = session(FALLBACK)
    assert sess.placement() == {CUDA: 2, CPU: 1}
    assert [o for o, _ in ops_of(sess)] == ["MemcpyFromHost", "Scale", "MemcpyToHost", "HostOnly",
                                            "MemcpyFromHost", "Shift", "MemcpyToHost"]
    out = sess.run(None, {"x": X})[0]
    assert sess.transfers()["MemcpyFromHost"] == 2 and sess.transfers()["MemcpyToHost"] == 2
    np.testing.assert_allclose(out, reference(FALLBACK, {"x": X})[0], rtol=1e-6)


def test_an_input_read_by_several_device_nodes_is_uploaded_once_and_initializers_at_creation():
    w = helper.make_tensor("w", TensorProto.FLOAT, [2, 3], np.ones(6, np.float32))
    m = model([op("Scale", ["x"], ["a"]), op("Shift", ["x"], ["b"]), helper.make_node("Add", ["a", "b"], ["c"]),
               helper.make_node("Mul", ["c", "w"], ["y"])], inits=[w])
    sess = session(m)
    before = sess.transfers()
    assert before["initializers"] == (1 if sess.placement().get(CUDA, 0) == 4 else 0)
    out = sess.run(None, {"x": X})[0]
    ups = sum(1 for o, _ in ops_of(sess) if o == "MemcpyFromHost")
    assert sess.transfers()["MemcpyFromHost"] == ups
    if sess.placement() == {CUDA: 4}:  # Add and Mul have CUDA kernels (kernels/cupy)
        assert ups == 1 and sess.transfers()["MemcpyToHost"] == 1 and sess.transfers()["implicit"] == 0
    np.testing.assert_allclose(out, reference(m, {"x": X})[0], rtol=1e-6)


def test_shape_nodes_stay_on_the_host_and_read_device_values_without_a_copy():
    # y = Reshape(Scale(x), Concat(Gather(Shape(a), 0), [-1])): Shape, Gather, Concat are shape arithmetic
    neg1 = helper.make_tensor("neg1", TensorProto.INT64, [1], [-1])
    zero = helper.make_tensor("zero", TensorProto.INT64, [1], [0])
    m = model([
        op("Scale", ["x"], ["a"], alpha=3.0),
        helper.make_node("Shape", ["a"], ["s"]),
        helper.make_node("Gather", ["s", "zero"], ["n"]),
        helper.make_node("Concat", ["n", "neg1"], ["shape"], axis=0),
        helper.make_node("Reshape", ["a", "shape"], ["r"]),
        op("Shift", ["r"], ["y"]),
    ], inits=[neg1, zero])
    sess = session(m, sess_options=_no_optimization())
    placed = dict((o, p) for o, p in ops_of(sess) if not o.startswith("Memcpy"))
    assert placed["Shape"] == placed["Gather"] == placed["Concat"] == CPU
    out = sess.run(None, {"x": X})[0]
    if placed["Reshape"] == CUDA:  # the shape goes to Reshape on the host; the data never leaves the device
        assert [o for o, _ in ops_of(sess)].count("MemcpyFromHost") == 1
        assert sess.transfers()["MemcpyToHost"] == 1 and sess.transfers()["implicit"] == 0
    np.testing.assert_allclose(out, reference(m, {"x": X})[0], rtol=1e-6)


def _no_optimization():
    so = refrt.SessionOptions()
    so.graph_optimization_level = refrt.GraphOptimizationLevel.ORT_DISABLE_ALL
    return so


def test_transfers_show_in_the_profile_as_onnxruntime_names_them(tmp_path):
    so = refrt.SessionOptions()
    so.enable_profiling = True
    so.profile_file_prefix = str(tmp_path / "prof")
    sess = session(FALLBACK, sess_options=so)
    sess.run(None, {"x": X})
    events = json.load(open(sess.end_profiling()))
    nodes = [e for e in events if e["cat"] == "Node"]
    copies = [e["args"]["op_name"] for e in nodes if e["args"]["op_name"].startswith("Memcpy")]
    assert copies == ["MemcpyFromHost", "MemcpyToHost", "MemcpyFromHost", "MemcpyToHost"]
    assert all(e["name"].endswith("_kernel_time") for e in nodes)
    assert {e["args"]["provider"] for e in nodes if e["args"]["op_name"] == "HostOnly"} == {CPU}


def test_an_intermediate_fetched_from_the_device_comes_back_to_the_host():
    sess = session(CHAIN)
    a, y = sess.run(["a", "y"], {"x": X})
    assert type(a) is np.ndarray and type(y) is np.ndarray
    np.testing.assert_array_equal(a, X * 2)


# -- kernel reuse -------------------------------------------------------------------------------
def test_a_numpy_kernel_written_against_array_namespace_runs_on_stand_in_arrays():
    fake = devices.numpy_standin.asarray(X)
    out = softish(fake)
    assert type(out) is FakeDeviceArray and array_namespace(out) is devices.numpy_standin
    np.testing.assert_allclose(devices.to_host(out), softish(X), rtol=1e-6)
    m = model([op("Scale", ["x"], ["a"]), op("Softish", ["a"], ["y"])])
    sess = session(m)
    assert sess.placement() == {CUDA: 2}
    np.testing.assert_allclose(sess.run(None, {"x": X})[0], reference(m, {"x": X})[0], rtol=1e-6)
    assert sess.transfers()["implicit"] == 0


def test_the_stand_in_behaves_like_cupy_where_kernels_rely_on_it():
    xp = devices.numpy_standin
    a = xp.asarray(X)
    assert type(a) is FakeDeviceArray and a is not X
    assert type(a.sum()) is FakeDeviceArray and a.sum().ndim == 0  # no scalars, as CuPy
    assert type(np.concatenate([a, a])) is FakeDeviceArray  # NumPy functions dispatch (NEP 18)
    assert type(xp.zeros((2,), np.float32)) is FakeDeviceArray and xp.float32 is np.float32
    assert type(a[0, 0]) is FakeDeviceArray
    assert type(xp.asnumpy(a)) is np.ndarray and array_namespace(X, None) is np
    assert type(a.get()) is np.ndarray


def test_a_kernel_that_returns_a_host_array_on_the_device_is_counted_as_implicit():
    @refrt.kernel("Leaky", domain=D, provider=CUDA)
    def leaky(x):
        return np.asarray(x) + 1  # left the device: np.asarray of a device array

    refrt.kernel("Leaky", domain=D)(lambda x: x + 1)
    m = model([op("Leaky", ["x"], ["a"]), op("Scale", ["a"], ["y"])])
    sess = session(m)
    np.testing.assert_array_equal(sess.run(None, {"x": X})[0], X + 1)
    assert sess.transfers()["implicit"] == 1


def test_results_equal_the_cpu_providers_on_standard_ops():
    # whatever kernels/cupy registers for these ops; falls back per node where it has none
    rng = np.random.default_rng(1)
    w = helper.make_tensor("w", TensorProto.FLOAT, [3, 4], rng.standard_normal(12).astype(np.float32))
    m = model([helper.make_node("MatMul", ["x", "w"], ["m"]), helper.make_node("Relu", ["m"], ["r"]),
               helper.make_node("Softmax", ["r"], ["y"], axis=-1)], outputs=(("y", [2, 4]),), inits=[w])
    got = session(m).run(None, {"x": X})[0]
    np.testing.assert_allclose(got, reference(m, {"x": X})[0], rtol=1e-5, atol=1e-6)


# -- feeds, IOBinding, OrtValue -----------------------------------------------------------------
def test_device_arrays_and_dlpack_objects_are_accepted_as_feeds():
    sess = session(CHAIN)
    expected = reference(CHAIN, {"x": X})[0]
    fake = devices.numpy_standin.asarray(X)
    np.testing.assert_array_equal(sess.run(None, {"x": fake})[0], expected)
    assert [o for o, _ in ops_of(sess, device_feeds=frozenset({"x"}))].count("MemcpyFromHost") == 0

    class HostDLPack:  # a DLPack producer in host memory (as a CPU torch tensor is)
        def __init__(self, a):
            self.a = a

        def __dlpack__(self, **kw):
            return self.a.__dlpack__(**kw)

        def __dlpack_device__(self):
            return self.a.__dlpack_device__()

    np.testing.assert_array_equal(sess.run(None, {"x": HostDLPack(X)})[0], expected)
    cpu_only = refrt.InferenceSession(CHAIN, providers=[CPU])
    np.testing.assert_array_equal(cpu_only.run(None, {"x": fake})[0], expected)  # copied to the host
    with pytest.raises(InvalidArgument, match="Unexpected input data type"):
        sess.run(None, {"x": devices.numpy_standin.asarray(X.astype(np.float64))})


def test_iobinding_keeps_outputs_on_the_device_between_runs():
    sess = session(CHAIN)
    binding = sess.io_binding()
    binding.bind_ortvalue_input("x", OrtValue(devices.numpy_standin.asarray(X), "cuda", 0))
    binding.bind_output("y", "cuda")
    sess.run_with_iobinding(binding)
    (y,) = binding.get_outputs()
    assert y.device_name() == "cuda" and type(y.array()) is FakeDeviceArray
    assert sess.transfers()["MemcpyFromHost"] == 0 and sess.transfers()["MemcpyToHost"] == 0
    # feed the device output back in: still no copy
    binding.bind_ortvalue_input("x", y)
    sess.run_with_iobinding(binding)
    assert sess.transfers()["MemcpyFromHost"] == 0 and sess.transfers()["MemcpyToHost"] == 0
    first = reference(CHAIN, {"x": X})[0]
    np.testing.assert_allclose(binding.copy_outputs_to_cpu()[0], reference(CHAIN, {"x": first})[0], rtol=1e-6)


def test_iobinding_cpu_outputs_raw_pointers_and_preallocated_outputs():
    sess = session(CHAIN)
    binding = sess.io_binding()
    x = np.ascontiguousarray(X)
    binding.bind_input("x", "cpu", 0, np.float32, list(x.shape), x.ctypes.data)
    out = np.zeros((2, 3), np.float32)
    binding.bind_output("y", "cpu", 0, np.float32, [2, 3], out.ctypes.data)
    sess.run_with_iobinding(binding)
    expected = reference(CHAIN, {"x": X})[0]
    np.testing.assert_array_equal(out, expected)  # written into the caller's buffer
    assert binding.get_outputs()[0].device_name() == "cpu"
    # a preallocated device OrtValue as the output
    target = OrtValue(devices.numpy_standin.zeros((2, 3), np.float32), "cuda", 0)
    binding.clear_binding_outputs()
    binding.bind_ortvalue_output("y", target)
    sess.run_with_iobinding(binding)
    np.testing.assert_array_equal(target.numpy(), expected)
    # a device pointer (the stand-in's device memory is host memory)
    dev = devices.numpy_standin.asarray(X)
    binding.clear_binding_inputs()
    binding.bind_input("x", "cuda", 0, np.float32, [2, 3], dev.ctypes.data)
    binding.clear_binding_outputs()
    binding.bind_output("y")
    sess.run_with_iobinding(binding)
    np.testing.assert_array_equal(binding.copy_outputs_to_cpu()[0], expected)


def test_iobinding_on_the_cpu_provider_alone():
    sess = refrt.InferenceSession(CHAIN, providers=[CPU])
    binding = sess.io_binding()
    binding.bind_cpu_input("x", X)
    binding.bind_output("y")
    sess.run_with_iobinding(binding)
    np.testing.assert_array_equal(binding.copy_outputs_to_cpu()[0], reference(CHAIN, {"x": X})[0])
    with pytest.raises(InvalidArgument, match="no CUDAExecutionProvider"):
        binding.bind_output("y", "cuda")


def test_ortvalue_api(monkeypatch):
    v = OrtValue.ortvalue_from_numpy(X)
    assert v.device_name() == "cpu" and v.shape() == [2, 3] and v.data_type() == "tensor(float)"
    assert v.is_tensor() and v.has_value() and v.element_type() == TensorProto.FLOAT
    assert np.shares_memory(v.numpy(), X)  # a cpu OrtValue shares the array, as in onnxruntime
    e = OrtValue.ortvalue_from_shape_and_type([4, 5], np.int64)
    assert e.shape() == [4, 5] and e.data_type() == "tensor(int64)"
    e.update_inplace(np.arange(20).reshape(4, 5))
    assert e.numpy()[3, 4] == 19
    with pytest.raises(InvalidArgument, match="Unsupported device type"):
        OrtValue.ortvalue_from_numpy(X, "tpu")
    monkeypatch.delenv(devices.ENV, raising=False)
    if not devices.cuda_available():
        with pytest.raises(RuntimeError, match="CUDA is not available"):
            OrtValue.ortvalue_from_numpy(X, "cuda", 0)
    monkeypatch.setenv(devices.ENV, "numpy-standin")
    c = OrtValue.ortvalue_from_numpy(X, "cuda", 0)
    assert c.device_name() == "cuda" and type(c.array()) is FakeDeviceArray
    assert type(c.numpy()) is np.ndarray and c.data_ptr() != v.data_ptr()
    z = OrtValue.ortvalue_from_shape_and_type((2, 3), np.float32, "cuda", 0)
    assert type(z.array()) is FakeDeviceArray and z.shape() == [2, 3]


# -- on a real GPU ------------------------------------------------------------------------------
_GPU_OK, _GPU_REASON = devices.cuda_check()
gpu = pytest.mark.skipif(not _GPU_OK, reason=f"needs CuPy and a CUDA GPU: {_GPU_REASON}")


@gpu
def test_gpu_cuda_is_available_and_a_chain_stays_on_the_device():
    import cupy

    assert CUDA in refrt.get_available_providers()
    m = model([helper.make_node("Relu", ["x"], ["a"]), helper.make_node("Neg", ["a"], ["y"])])
    sess = refrt.InferenceSession(m, providers=[CUDA, CPU])
    assert sess.get_providers() == [CUDA, CPU] and sess.placement() == {CUDA: 2}
    out = sess.run(None, {"x": X})[0]
    np.testing.assert_allclose(out, reference(m, {"x": X})[0], rtol=1e-6)
    assert sess.transfers()["MemcpyFromHost"] == 1 and sess.transfers()["MemcpyToHost"] == 1
    y = sess.run(None, {"x": cupy.asarray(X)})[0]  # a CuPy feed
    np.testing.assert_allclose(y, out)


@gpu
def test_gpu_iobinding_and_ortvalue_keep_data_on_the_device():
    import cupy

    m = model([helper.make_node("Relu", ["x"], ["y"])])
    sess = refrt.InferenceSession(m, providers=[CUDA, CPU])
    x = OrtValue.ortvalue_from_numpy(X, "cuda", 0)
    assert x.device_name() == "cuda" and isinstance(x.array(), cupy.ndarray)
    binding = sess.io_binding()
    binding.bind_ortvalue_input("x", x)
    binding.bind_output("y", "cuda")
    sess.run_with_iobinding(binding)
    y = binding.get_outputs()[0]
    assert isinstance(y.array(), cupy.ndarray)
    np.testing.assert_allclose(y.numpy(), np.maximum(X, 0))
    raw = cupy.asarray(X)
    binding.bind_input("x", "cuda", 0, np.float32, [2, 3], raw.data.ptr)
    sess.run_with_iobinding(binding)
    np.testing.assert_allclose(binding.copy_outputs_to_cpu()[0], np.maximum(X, 0))


@gpu
def test_gpu_unknown_option_and_bad_device_id():
    with pytest.raises(Fail, match="Unknown provider option"):
        refrt.InferenceSession(CHAIN, providers=[(CUDA, {"bogus": 1}), CPU])
    with pytest.raises(Fail, match="Invalid device id"):
        refrt.InferenceSession(CHAIN, providers=[(CUDA, {"device_id": 99}), CPU])


def test_gpu_tests_say_why_they_skip():
    if _GPU_OK:
        pytest.skip("a GPU is here")
    assert "CuPy" in _GPU_REASON or "CUDA" in _GPU_REASON


# -- element types the device cannot hold ------------------------------------------------------------
def test_nodes_on_types_cupy_lacks_run_on_the_host_and_the_rest_stays_on_the_device():
    """bfloat16 (and float8, int4, strings) have no CuPy dtype: nodes reading or writing them are placed
    on the CPU, as onnxruntime's CUDA provider falls back for types its kernels are not registered for."""
    bf16 = TensorProto.BFLOAT16
    nodes = [helper.make_node("Relu", ["x"], ["a"]),
             helper.make_node("Cast", ["a"], ["h"], to=bf16),
             helper.make_node("Mul", ["h", "h"], ["hh"]),
             helper.make_node("Cast", ["hh"], ["b"], to=TensorProto.FLOAT),
             helper.make_node("Neg", ["b"], ["y"])]
    m = model(nodes)
    for module in (devices.STANDIN, devices.EMULATOR):
        if module == devices.EMULATOR and not devices.module_available(module):
            continue
        sess = session(m, providers=[(CUDA, {"device_module": module}), CPU])
        assert ops_of(sess) == [("MemcpyFromHost", CUDA), ("Relu", CUDA), ("MemcpyToHost", CUDA), ("Cast", CPU),
                                ("Mul", CPU), ("Cast", CPU), ("MemcpyFromHost", CUDA), ("Neg", CUDA),
                                ("MemcpyToHost", CUDA)]
        np.testing.assert_array_equal(sess.run(None, {"x": X})[0], reference(m, {"x": X})[0])
        assert sess.transfers()["implicit"] == 0
    with pytest.raises(TypeError, match="bfloat16"):
        devices.numpy_standin.asarray(np.ones(2, dtype=helper.tensor_dtype_to_np_dtype(bf16)))
