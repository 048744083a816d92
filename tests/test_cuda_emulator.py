"""The CUDA source the CUDA provider generates, run without a GPU (refrt/cuda_emulator.py).

Every ElementwiseKernel body the provider builds (fused activations after Conv / Gemm / MatMul, fused
elementwise chains, Gelu and BiasGelu) is compiled for the CPU and run on special values (NaN, +-inf,
+-0, huge and tiny numbers): it must give what the NumPy reference kernels give, NaN where they give NaN.
Where CuPy and nvcc are installed, CuPy's own source for each call is also compiled for the GPU.
The stand-in's CuPy rules (no host arrays mixed in, CuPy's names only) are tested here too.
"""

from __future__ import annotations

import contextlib

import numpy as np
import pytest

from refrt import cuda_emulator, device, registry
from refrt.kernels.cupy import _cuda
from refrt.kernels.numpy._activation_util import activate as numpy_activate

ok, why = cuda_emulator.available()
pytestmark = pytest.mark.skipif(not ok, reason=f"the CUDA emulator cannot run here: {why}")

CUDA = "CUDAExecutionProvider"
registry.discover("refrt.kernels.numpy", registry.DEFAULT_PROVIDER)
registry.discover("refrt.kernels.cupy", CUDA)

SPECIAL = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-30, -1e-30, 3.0, -3.0, 0.5, -0.5, 1e30, -1e30, 88.0, -88.0,
           710.0, -710.0, 20.0, -20.0]


def special(dtype, shape=(4, len(SPECIAL))):
    rng = np.random.default_rng(7)
    x = (rng.standard_normal(shape) * 4).astype(dtype)
    x[0] = np.array(SPECIAL, dtype=np.float64).astype(dtype)
    x[1] = x[0][::-1]
    return x


def emu():
    return device.cuda_emulator()


def same(got, want, rtol, atol, what):
    got = device.to_host(got)
    assert got.dtype == want.dtype and got.shape == want.shape, (what, got.dtype, want.dtype, got.shape, want.shape)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want), err_msg=f"{what}: NaN at different places")
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=what)


@contextlib.contextmanager
def launches(n):
    """The block launches exactly ``n`` emulated CUDA kernels (so the CUDA source, not an xp path, ran)."""
    before = cuda_emulator.CHECKS["runs"]
    yield
    assert cuda_emulator.CHECKS["runs"] - before == n, f"{cuda_emulator.CHECKS['runs'] - before} launches, not {n}"


def tol(dtype):
    return (2e-6, 1e-30) if dtype == np.float32 else (1e-13, 1e-300)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("activation,params", [("", ()), ("Relu", ()), ("Clip", (-1.5, 2.0)), ("Clip", (np.nan, 1.0)),
                                               ("Sigmoid", ()), ("Tanh", ()), ("LeakyRelu", (0.1,)),
                                               ("HardSigmoid", (0.2, 0.5))])
@pytest.mark.parametrize("terms", ["y", "y+bias", "y+bias+z"])
def test_fused_activation_source_matches_numpy(dtype, activation, params, terms):
    y = special(dtype)
    bias = np.linspace(-1, 1, y.shape[1]).astype(dtype) if "bias" in terms else None
    z = special(dtype)[::-1].copy() if "z" in terms else None
    want = y.copy()
    with np.errstate(all="ignore"):
        if bias is not None:
            want = want + bias
        if z is not None:
            want = want + z
        want = numpy_activate(want, activation, params)
    for xp in (emu(), device.numpy_standin):
        put = (lambda a: None if a is None else xp.asarray(a))
        with launches(1 if xp is emu() and (activation or bias is not None or z is not None) else 0):
            got = _cuda.epilogue(xp, put(y), put(bias), put(z), activation, params)
        same(got, want, *tol(dtype), f"{xp.__name__} {activation}{params} {terms}")


CHAIN_OPS = [("Abs", 1), ("Neg", 1), ("Reciprocal", 1), ("Floor", 1), ("Ceil", 1), ("Sqrt", 1), ("Exp", 1),
             ("Log", 1), ("Tanh", 1), ("Sin", 1), ("Cos", 1), ("Relu", 1), ("Sigmoid", 1), ("Add", 2), ("Sub", 2),
             ("Mul", 2), ("Div", 2), ("Max", 2), ("Min", 2), ("Pow", 2), ("Clip", 3)]


def _chain_run(xp, ops, operands, inputs):
    entry = registry.lookup("refrt", "FusedElementwise", 1, CUDA if xp is not None else registry.DEFAULT_PROVIDER)
    fn = entry.fn(ops=ops, operands=operands)
    with np.errstate(all="ignore"):
        return fn(*(a if xp is None else xp.asarray(a) for a in inputs))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("op,arity", CHAIN_OPS, ids=[o for o, _ in CHAIN_OPS])
def test_fused_chain_op_sources_match_numpy(dtype, op, arity):
    """Each chain op's CUDA expression, alone and after Mul, on special values (the second operand too)."""
    x = special(dtype)
    other = special(dtype)[:, ::-1].copy()
    if op == "Clip":
        inputs = [x, np.array(-2.5, dtype), np.array(4.0, dtype)]
        ops, operands = [op], [0, 1, 2]
    elif arity == 2:
        inputs = [x, other]
        ops, operands = [op], [0, 1]
    else:
        inputs = [x]
        ops, operands = [op], [0]
    want = _chain_run(None, ops, operands, inputs)
    with launches(1):
        got = _chain_run(emu(), ops, operands, inputs)
    rtol, atol = (4e-6, 1e-30) if dtype == np.float32 else (1e-13, 1e-300)
    same(got, want, rtol, atol, f"{op} {np.dtype(dtype)}")
    # the same op inside a longer chain, fed by a broadcast per-column constant
    scale = np.linspace(0.5, 2, x.shape[1]).astype(dtype)
    chain_inputs = [x, scale] + inputs[1:]
    refs = [-1] + [r + 1 for r in operands[1:]]
    ops2, operands2 = ["Mul"] + ops, [0, 1] + refs
    want = _chain_run(None, ops2, operands2, chain_inputs)
    with launches(1):
        got = _chain_run(emu(), ops2, operands2, chain_inputs)
    same(got, want, rtol, atol, f"Mul then {op} {np.dtype(dtype)}")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("op,domain,version,attrs,bias", [
    ("Gelu", "", 20, {}, False), ("Gelu", "", 20, {"approximate": "tanh"}, False),
    ("Gelu", "refrt", 1, {}, False), ("BiasGelu", "refrt", 1, {}, True)])
def test_gelu_sources_match_numpy(dtype, op, domain, version, attrs, bias):
    x = special(dtype)
    inputs = [x] + ([np.linspace(-2, 2, x.shape[1]).astype(dtype)] if bias else [])
    ref = registry.lookup(domain, op, version, registry.DEFAULT_PROVIDER)
    cuda = registry.lookup(domain, op, version, CUDA)
    call = (lambda e, args: e.fn(**attrs)(*args) if e.prepare else e.fn(*args, **attrs))
    with np.errstate(all="ignore"):
        want = call(ref, inputs)
        with launches(1):
            got = call(cuda, [emu().asarray(a) for a in inputs])
    # CUDA's erf (2 ulp) against the NumPy kernel's erf (float32: a rational approximation, 4.5e-7 abs)
    rtol, atol = (1e-5, 1e-6) if dtype == np.float32 else (1e-12, 1e-15)
    same(got, want, rtol, atol, f"{op}{attrs} {np.dtype(dtype)}")


def test_emulated_kernel_keeps_cupy_call_rules():
    xp = emu()
    k = xp.ElementwiseKernel("T x, T a", "T y", "y = x * a", "refrt_test_scale")
    x = xp.asarray(np.arange(6, dtype=np.float32).reshape(2, 3))
    np.testing.assert_array_equal(device.to_host(k(x, 2.5)), np.arange(6, dtype=np.float32).reshape(2, 3) * 2.5)
    add = xp.ElementwiseKernel("T x, T b", "T y", "y = x + b", "refrt_test_add")
    b = xp.asarray(np.array([10, 20, 30], np.float32))
    np.testing.assert_array_equal(device.to_host(add(x, b)), np.arange(6).reshape(2, 3) + [10, 20, 30])
    with pytest.raises(TypeError, match="Type is mismatched"):
        add(x, xp.asarray(np.ones(3, np.float64)))
    with pytest.raises(TypeError, match="host array"):
        add(x, np.ones(3, np.float32))
    bad = xp.ElementwiseKernel("T x", "T y", "y = no_such_function(x)", "refrt_test_bad")
    with pytest.raises(RuntimeError, match="does not compile"):
        bad(x)


def test_stand_in_refuses_what_cupy_refuses():
    for xp in (device.numpy_standin, emu()):
        a = xp.asarray(np.ones(3, np.float32))
        with pytest.raises(TypeError, match="host numpy.ndarray"):
            a + np.ones(3, np.float32)
        with pytest.raises(TypeError, match="host numpy.ndarray"):
            xp.maximum(a, np.ones(3, np.float32))
        with pytest.raises(TypeError, match="host numpy.ndarray"):
            np.concatenate([a, np.ones(3, np.float32)])
        assert type(a + np.float32(1)) is type(a)  # scalars are fine, as in CuPy
        assert type(xp.asarray(np.ones(2)) * 2) is type(a)


@pytest.mark.skipif(not cuda_emulator.nvcc_check()[0], reason=f"no GPU build check: {cuda_emulator.nvcc_check()[1]}")
def test_cupy_source_compiles_with_nvcc_and_bad_source_fails():
    """CuPy's own generated source for an emulated call goes through nvcc (and a broken one is caught)."""
    xp = emu()
    x = xp.asarray(np.arange(6, dtype=np.float64).reshape(2, 3))
    k = xp.ElementwiseKernel("T x, T p0", "T y", "y = erf(x) * p0 + tanh(x)", "refrt_test_nvcc")
    before = cuda_emulator.CHECKS["nvcc"]
    k(x, 2.0)
    k(x, 3.0)  # the same call signature: checked once
    assert cuda_emulator.CHECKS["nvcc"] == before + 1
    src = k.cupy_source(("a", "s"), (np.dtype(np.float64),) * 2, (np.dtype(np.float64),), 2)
    assert "CArray<double, 2" in src and "#include <cupy/carray.cuh>" in src
    # a preamble helper without __device__: the CPU build accepts it, the GPU build must not
    bad = xp.ElementwiseKernel("T x", "T y", "y = host_only(x)", "refrt_test_nvcc_bad",
                               preamble="template <typename T> T host_only(T v) { return v; }")
    with pytest.raises(RuntimeError, match="nvcc"):
        bad(x)


def test_stand_in_keeps_to_cupy_names_where_cupy_imports():
    cupy = device._cupy_namespace()
    if cupy is None:
        pytest.skip("CuPy is not importable here: the stand-in cannot compare names with it")
    assert not hasattr(cupy, "busday_count")
    with pytest.raises(AttributeError, match="cupy"):
        device.numpy_standin.busday_count  # noqa: B018 - NumPy has it, CuPy does not
    assert device.numpy_standin.maximum is not None  # both have it
