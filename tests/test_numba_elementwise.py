"""The Numba provider's elementwise and normalisation kernels (kernels/numba: op_bias_gelu, op_gelu,
op_fused_gelu, op_skip_layer_normalization, op_layer_normalization, op_rms_normalization,
op_softmax, op_log_softmax, op_fused_elementwise).

Each kernel against the NumPy kernel it replaces, called directly (registry.lookup):
- exact (bit-identical) where the compiled loop does the same float32 operations in the same order:
  Gelu / BiasGelu (erf form), FusedElementwise chains of Add / Sub / Mul / Div / Max / Min / Relu /
  Abs / Neg / Sqrt / Reciprocal / Clip;
- within a few float32 ulp of the row's scale (atol 1e-5 on values of order 1) for the normalisations:
  their row sums run in float64 here and in float32 pairwise / einsum order in NumPy;
- within 2 ulp (rtol 3e-7) where libm's expf / tanhf / logf stand in for NumPy's SIMD routines
  (Softmax, LogSoftmax, Exp / Tanh / Sigmoid in a chain);
- delegated cases (float64, tanh Gelu, odd broadcasts, large Softmax) give the NumPy kernel's result.
Then small models through sessions with ["NumbaExecutionProvider", "CPUExecutionProvider"] against
onnxruntime, with profiling showing the node ran on the Numba provider.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba")

import onnx  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

import refrt  # noqa: E402

from numba_checks import NUMBA, pair, run_numba, same  # noqa: E402
from oracle import make_model, run_ort  # noqa: E402

rng = np.random.default_rng(7)


def f32(*shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def close(got, want, atol=1e-5, rtol=0.0):
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True)


# -- kernels against the NumPy kernels ----------------------------------------------------------------

def test_bias_gelu_exact_and_inplace():
    nb, ref = pair("BiasGelu", domain="refrt")
    x = f32(3, 5, 64, scale=3)
    x[0, 0, :5] = [np.nan, np.inf, -np.inf, 0, -0.0]
    b = f32(64)
    want = ref(x.copy(), b)
    same(nb(x, b), want)
    y = x.copy()
    out = nb(y, b, inplace=1)
    assert out is y
    same(out, want)
    # delegated: tanh form, float64, a bias that is not per-row
    same(nb(x, b, approximate="tanh"), ref(x, b, approximate="tanh"))
    same(nb(x.astype(np.float64), b.astype(np.float64)), ref(x.astype(np.float64), b.astype(np.float64)))
    b2 = f32(5, 64)
    same(nb(x, b2), ref(x, b2))


@pytest.mark.parametrize("op,domain,version", [("Gelu", "", 20), ("Gelu", "refrt", 1)])
def test_gelu_exact(op, domain, version):
    nb, ref = pair(op, version, domain)
    x = f32(1_100_001, scale=4)  # above the parallel threshold (1 << 20 elements): the prange path
    same(nb(x), ref(x))
    same(nb(x[::2]), ref(x[::2]))  # non-contiguous: delegated
    same(nb(x, approximate="tanh"), ref(x, approximate="tanh"))
    same(nb(np.float32(1.5).reshape(())), ref(np.float32(1.5).reshape(())))


def test_skip_layer_normalization():
    nb, ref = pair("SkipLayerNormalization", domain="refrt")
    x, skip = f32(2, 6, 48, scale=2), f32(2, 6, 48)
    g, be, bi = f32(48), f32(48), f32(48)
    for args in [(g, be, bi), (g, be), (g,), (g, None, bi)]:
        close(nb(x, skip, *args, epsilon=1e-12), ref(x, skip, *args, epsilon=1e-12))
    y, _, _, s = nb(x, skip, g, be, bi, _output_used=(True, False, False, True))
    y2, _, _, s2 = ref(x, skip, g, be, bi, _output_used=(True, False, False, True))
    same(s, s2)  # the sum: the same two float32 adds
    close(y, y2)
    close(nb(x, skip[0], g, be, bi), ref(x, skip[0], g, be, bi))  # skip of the trailing shape
    xi = x.copy()
    out = nb(xi, skip, g, be, bi, inplace=1)
    assert out is xi
    close(out, ref(x, skip, g, be, bi))
    x64 = x.astype(np.float64)  # delegated
    same(nb(x64, skip.astype(np.float64), g.astype(np.float64)), ref(x64, skip.astype(np.float64), g.astype(np.float64)))


def test_layer_normalization_standard_and_fused():
    nb, ref = pair("LayerNormalization", 17)
    x = f32(4, 3, 20, scale=3) + 1
    g, b = f32(20), f32(20)
    close(nb(x, g, b), ref(x, g, b))
    close(nb(x, g), ref(x, g))
    g2, b2 = f32(3, 20), f32(1, 3, 20)
    close(nb(x, g2, b2, axis=1), ref(x, g2, b2, axis=1))
    got = nb(x, g, b, _output_used=(True, True, True))
    want = ref(x, g, b, _output_used=(True, True, True))
    for u, v in zip(got, want):
        close(u, v)
    # delegated: Scale broadcast inside the normalised axes, float64, another stash type
    g3 = f32(20)
    same(nb(x, g3, b, axis=1), ref(x, g3, b, axis=1))
    same(nb(x.astype(np.float64), g.astype(np.float64)), ref(x.astype(np.float64), g.astype(np.float64)))
    same(nb(x, g, stash_type=11), ref(x, g, stash_type=11))
    nbf, reff = pair("LayerNormalization", 1, "refrt")
    close(nbf(x, g, b), reff(x, g, b))
    close(nbf(x, g2, b2, axis=-2), reff(x, g2, b2, axis=-2))


def test_rms_normalization():
    for version, domain in [(23, ""), (1, "refrt")]:
        nb, ref = pair("RMSNormalization", version, domain)
        x, g = f32(5, 7, 32, scale=2), f32(32)
        close(nb(x, g), ref(x, g))
        g2 = f32(7, 32)
        close(nb(x, g2, axis=1), ref(x, g2, axis=1))
        if domain == "":  # Scale broadcast inside the normalised axes: delegated
            g3 = f32(32)
            same(nb(x, g3, axis=1), ref(x, g3, axis=1))
        g64 = g.astype(np.float64)
        same(nb(x.astype(np.float64), g64), ref(x.astype(np.float64), g64))


@pytest.mark.parametrize("op", ["Softmax", "LogSoftmax"])
def test_softmax_revisions(op):
    nb13, ref13 = pair(op, 13)
    nb11, ref11 = pair(op, 11)
    x = f32(3, 4, 50, scale=3)
    x[0, 0, 0] = -np.inf
    x[0, 1, :] = -np.inf  # a row of -inf: NaN, as NumPy gives
    kw = dict(atol=1e-6, rtol=3e-7)
    close(nb13(x), ref13(x), **kw)
    close(nb13(x, axis=2), ref13(x, axis=2), **kw)
    same(nb13(x, axis=1), ref13(x, axis=1))  # not the last axis: delegated
    close(nb11(x), ref11(x), **kw)  # default axis 1: over shape[1:]
    close(nb11(x, axis=2), ref11(x, axis=2), **kw)
    close(nb11(x, axis=0), ref11(x, axis=0), **kw)
    same(nb13(x.astype(np.float64)), ref13(x.astype(np.float64)))
    big = f32(2, 4, 64, 64)  # Softmax above MAX_SIZE: NumPy's
    (same if op == "Softmax" else lambda a, b: close(a, b, **kw))(nb13(big), ref13(big))


CHAINS = [
    # (ops, operands, input shapes, exact)
    (("Mul", "Add", "Mul", "Add", "Relu"), (0, 1, -1, 2, -1, 3, -1, 4, -1),
     [(2, 6, 5, 5), (6, 1, 1), (6, 1, 1), (6, 1, 1), (6, 1, 1)], True),
    (("Sub", "Div", "Max", "Min", "Abs", "Neg"), (0, 1, -1, 2, -1, 3, -1, 3, -1, -1),
     [(3, 7, 9), (9,), (1, 1, 1), (3, 7, 9)], True),
    (("Add", "Clip", "Sqrt", "Reciprocal"), (0, 1, -1, 2, 3, -1, -1), [(4, 300), (4, 1), (), ()], True),
    (("Sub", "Mul"), (1, 0, -1, 2), [(1, 1, 1, 128), (), ()], True),
    (("Exp", "Sigmoid", "Tanh", "Log", "Pow"), (0, -1, -1, -1, -1, 1), [(50000,), (1,)], False),
    (("Floor", "Ceil", "Sin", "Cos", "Relu"), (0, -1, -1, -1, -1), [(8, 33)], False),
]


@pytest.mark.parametrize("ops,operands,shapes,exact", CHAINS)
def test_fused_elementwise(ops, operands, shapes, exact):
    nbp, refp = pair("FusedElementwise", domain="refrt")
    inputs = [f32(*s, scale=2) for s in shapes]
    if "Clip" in ops:
        inputs[2], inputs[3] = np.float32(0.5).reshape(()), np.float32(2).reshape(())
    if "Pow" in ops:
        inputs[0] = np.abs(inputs[0]) + 0.5
        inputs[1] = np.float32(1.5).reshape(1)
    inputs[0].reshape(-1)[:3] = [np.nan, np.inf, -0.0]
    got = nbp(ops=ops, operands=operands)(*inputs)
    want = refp(ops=ops, operands=operands)(*inputs)
    if exact:
        same(got, want)
    else:
        close(got, want, atol=1e-6, rtol=3e-7)


def test_fused_elementwise_inplace_and_delegated():
    nbp, refp = pair("FusedElementwise", domain="refrt")
    ops, operands = ("Mul", "Add", "Relu"), (0, 1, -1, 2, -1)
    x, a, b = f32(2, 3, 40), f32(3, 1), f32(40)
    want = refp(ops=ops, operands=operands)(x, a, b)
    xi = x.copy()
    got = nbp(ops=ops, operands=operands, inplace=1)(xi, a, b)
    assert got is xi
    same(got, want)
    run = nbp(ops=ops, operands=operands)
    for args in [(x.astype(np.float64), a.astype(np.float64), b.astype(np.float64)),  # float64: compiled too
                 (x, f32(2, 3, 1), b),  # two non-1 dims: delegated
                 (x[:, :, ::2], a, f32(20)),  # non-contiguous: delegated
                 (x, a.astype(np.float64), b)]:  # mixed dtypes: delegated
        same(run(*args), refp(ops=ops, operands=operands)(*args))
    with pytest.raises(ValueError):
        nbp(ops=("Add",), operands=(0,))


# -- sessions against onnxruntime -------------------------------------------------------------------

def _check(model, feeds, tmp_path, op, atol=1e-5, rtol=1e-5):
    want = run_ort(model, feeds)
    got, where = run_numba(model, feeds, tmp_path)
    assert where.get(op) == {NUMBA}, where
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol)


def _init(name, value):
    return numpy_helper.from_array(value, name)


def _graph_model(nodes, inputs, outputs, inits, opset=17):
    vi = [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in inputs]
    out = [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in outputs]
    g = helper.make_graph(nodes, "g", vi, out, inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    return m


def test_session_bert_block(tmp_path):
    """MatMul + bias + Erf Gelu (-> BiasGelu) and residual Add + LayerNormalization
    (-> SkipLayerNormalization) on the Numba provider, against onnxruntime on the unfused graph."""
    d, h = 32, 64
    w1, b1, w2, b2 = f32(d, h, scale=0.2), f32(h), f32(h, d, scale=0.2), f32(d)
    g, be = f32(d), f32(d)
    nodes = [
        helper.make_node("MatMul", ["x", "w1"], ["m1"]), helper.make_node("Add", ["m1", "b1"], ["a1"]),
        helper.make_node("Div", ["a1", "sqrt2"], ["d1"]), helper.make_node("Erf", ["d1"], ["e1"]),
        helper.make_node("Add", ["e1", "one"], ["p1"]), helper.make_node("Mul", ["a1", "p1"], ["q1"]),
        helper.make_node("Mul", ["q1", "half"], ["gelu"]),
        helper.make_node("MatMul", ["gelu", "w2"], ["m2"]), helper.make_node("Add", ["m2", "b2"], ["a2"]),
        helper.make_node("Add", ["a2", "x"], ["res"]),
        helper.make_node("LayerNormalization", ["res", "g", "be"], ["y"], axis=-1, epsilon=1e-12),
    ]
    inits = [_init("w1", w1), _init("b1", b1), _init("w2", w2), _init("b2", b2), _init("g", g), _init("be", be),
             _init("sqrt2", np.float32(np.sqrt(2))), _init("one", np.float32(1)), _init("half", np.float32(0.5))]
    model = _graph_model(nodes, [("x", [2, 8, d])], ["y"], inits)
    feeds = {"x": f32(2, 8, d)}
    want = run_ort(model, feeds)
    got, where = run_numba(model, feeds, tmp_path)
    assert where.get("BiasGelu") == {NUMBA} and where.get("SkipLayerNormalization") == {NUMBA}, where
    np.testing.assert_allclose(got[0], want[0], rtol=1e-4, atol=1e-4)


def test_session_batchnorm_chain(tmp_path):
    """DenseNet's unfused BatchNormalization as Mul, Add, Mul, Add, Relu with per-channel constants
    (-> FusedElementwise) on the Numba provider."""
    c = 8
    consts = [f32(c, 1, 1) for _ in range(4)]
    nodes = [helper.make_node("Mul", ["x", "c0"], ["t0"]), helper.make_node("Add", ["t0", "c1"], ["t1"]),
             helper.make_node("Mul", ["t1", "c2"], ["t2"]), helper.make_node("Add", ["t2", "c3"], ["t3"]),
             helper.make_node("Relu", ["t3"], ["y"])]
    model = _graph_model(nodes, [("x", [1, c, 6, 6])], ["y"], [_init(f"c{i}", v) for i, v in enumerate(consts)])
    _check(model, {"x": f32(1, c, 6, 6)}, tmp_path, "FusedElementwise")


@pytest.mark.parametrize("op,attrs,opset", [
    ("Softmax", {}, 13), ("Softmax", {"axis": 1}, 11), ("LogSoftmax", {}, 13), ("LogSoftmax", {"axis": 2}, 9),
    ("Gelu", {}, 20), ("LayerNormalization", {"axis": -1}, 17), ("RMSNormalization", {}, 23),
])
def test_session_single_ops(op, attrs, opset, tmp_path):
    x = f32(2, 3, 16, scale=2)
    inputs = {"x": x}
    names = ["x"]
    if op in ("LayerNormalization", "RMSNormalization"):
        inputs["scale"] = f32(16)
        names.append("scale")
    node = helper.make_node(op, names, ["y"], **attrs)
    model = make_model([node], inputs, ["y"], opset=opset, initializers=names[1:])
    feeds = {"x": x}
    if op == "RMSNormalization":  # onnxruntime may lack the opset-23 kernel: against NumPy's
        got, where = run_numba(model, feeds, tmp_path)
        assert where.get(op) == {NUMBA}, where
        want = refrt.InferenceSession(model.SerializeToString()).run(None, feeds)
        np.testing.assert_allclose(got[0], want[0], atol=1e-5)
        return
    _check(model, feeds, tmp_path, op)
