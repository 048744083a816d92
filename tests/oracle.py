"""Helpers for tests that check refrt against onnxruntime (the oracle) on small models.

    from oracle import check_node
    check_node("Softmax", {"X": x}, {"axis": 1}, opset=11)

builds a one-node model, runs it in onnxruntime and in refrt and asserts the outputs agree
(values, dtypes and shapes). Inputs given as ``None`` are omitted optional inputs (empty name);
names listed in ``initializers`` become initializers instead of graph inputs.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import onnx
from onnx import helper, numpy_helper, shape_inference

import refrt


def _value_info(name: str, value: Any) -> onnx.ValueInfoProto:
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "OUS":
            elem = onnx.TensorProto.STRING
        else:
            elem = helper.np_dtype_to_tensor_dtype(value.dtype)
        return helper.make_tensor_value_info(name, elem, value.shape)
    raise TypeError(f"unsupported test value for {name}: {type(value)}")


def make_model(
    nodes: Sequence[onnx.NodeProto],
    inputs: dict[str, Any],
    outputs: Sequence[str],
    *,
    opset: int,
    initializers: Sequence[str] = (),
    extra_opsets: dict[str, int] | None = None,
    ir_version: int | None = None,
) -> onnx.ModelProto:
    """A model over ``nodes`` whose output types come from onnx shape inference."""
    graph_inputs = [_value_info(n, v) for n, v in inputs.items() if v is not None and n not in initializers]
    inits = [numpy_helper.from_array(inputs[n], n) for n in initializers]
    graph = helper.make_graph(list(nodes), "test", graph_inputs, [onnx.ValueInfoProto(name=o) for o in outputs], inits)
    opsets = [helper.make_opsetid("", opset)] + [helper.make_opsetid(d, v) for d, v in (extra_opsets or {}).items()]
    model = helper.make_model(graph, opset_imports=opsets)
    # onnxruntime reads models up to its own IR version; pick the oldest one that holds this opset.
    model.ir_version = ir_version or _ir_version_for(opset)
    inferred = shape_inference.infer_shapes(model)
    known = {vi.name: vi for vi in list(inferred.graph.value_info) + list(inferred.graph.output)}
    for out in model.graph.output:
        if out.name in known and known[out.name].type.WhichOneof("value") is not None:
            out.type.CopyFrom(known[out.name].type)
    return model


def _ir_version_for(opset: int) -> int:
    for ir, ops in ((3, 8), (4, 9), (5, 10), (6, 11), (7, 12), (7, 14), (8, 18), (9, 20), (10, 22)):
        if opset <= ops:
            return ir
    return 11


def make_node_model(
    op: str,
    inputs: dict[str, Any],
    attrs: dict[str, Any] | None = None,
    *,
    opset: int,
    n_outputs: int = 1,
    domain: str = "",
    initializers: Sequence[str] = (),
) -> onnx.ModelProto:
    in_names = [n if v is not None else "" for n, v in inputs.items()]
    while in_names and in_names[-1] == "":
        in_names.pop()
    out_names = [f"out{i}" for i in range(n_outputs)]
    node = helper.make_node(op, in_names, out_names, domain=domain, **(attrs or {}))
    return make_model([node], inputs, out_names, opset=opset, initializers=initializers)


def feeds_of(inputs: dict[str, Any], initializers: Sequence[str] = ()) -> dict[str, Any]:
    return {n: v for n, v in inputs.items() if v is not None and n not in initializers}


def run_ort(model: onnx.ModelProto, feeds: dict[str, Any]) -> list[Any]:
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])
    return sess.run(None, feeds)


def run_refrt(model: onnx.ModelProto, feeds: dict[str, Any], providers=None) -> list[Any]:
    sess = refrt.InferenceSession(model.SerializeToString(), providers=providers or ["CPUExecutionProvider"])
    return sess.run(None, feeds)


def assert_same(expected: Sequence[Any], got: Sequence[Any], rtol: float, atol: float) -> None:
    assert len(expected) == len(got), f"{len(got)} outputs, expected {len(expected)}"
    for i, (e, g) in enumerate(zip(expected, got)):
        e = np.asarray(e)
        g = np.asarray(g)
        assert g.dtype == e.dtype, f"output {i}: dtype {g.dtype}, expected {e.dtype}"
        assert g.shape == e.shape, f"output {i}: shape {g.shape}, expected {e.shape}"
        if e.dtype.kind in "OUSb" or e.dtype.kind in "iu":
            np.testing.assert_array_equal(g, e, err_msg=f"output {i}")
        else:
            np.testing.assert_allclose(
                g.astype(np.float64) if e.dtype.kind == "V" or e.dtype.itemsize < 4 else g,
                e.astype(np.float64) if e.dtype.kind == "V" or e.dtype.itemsize < 4 else e,
                rtol=rtol, atol=atol, equal_nan=True, err_msg=f"output {i}",
            )


def check_model(model: onnx.ModelProto, feeds: dict[str, Any], *, rtol: float = 1e-5, atol: float = 1e-6) -> list[Any]:
    """Run ``model`` in both runtimes, assert they agree, return refrt's outputs."""
    expected = run_ort(model, feeds)
    got = run_refrt(model, feeds)
    assert_same(expected, got, rtol, atol)
    return got


def check_node(
    op: str,
    inputs: dict[str, Any],
    attrs: dict[str, Any] | None = None,
    *,
    opset: int,
    n_outputs: int = 1,
    initializers: Sequence[str] = (),
    rtol: float = 1e-5,
    atol: float = 1e-6,
) -> list[Any]:
    """One node of ``op`` at ``opset``: refrt must agree with onnxruntime."""
    model = make_node_model(op, inputs, attrs, opset=opset, n_outputs=n_outputs, initializers=initializers)
    return check_model(model, feeds_of(inputs, initializers), rtol=rtol, atol=atol)


# -- refrt alone, for what onnxruntime lacks (the test then computes the expectation) ---------------

def refrt_node(op: str, inputs: dict[str, Any], attrs: dict[str, Any] | None = None, *, opset: int,
               n_outputs: int = 1, initializers: Sequence[str] = ()) -> list[Any]:
    """refrt's outputs for one node of ``op`` at ``opset``."""
    model = make_node_model(op, inputs, attrs, opset=opset, n_outputs=n_outputs, initializers=initializers)
    return run_refrt(model, feeds_of(inputs, initializers))


def typed_model(op: str, inputs: dict[str, Any], attrs: dict[str, Any] | None = None, *, opset: int,
                n_outputs: int = 1) -> onnx.ModelProto:
    """A one-node model whose untyped outputs (old revisions lack type inference) get the data's type
    (that of the first input given)."""
    model = make_node_model(op, inputs, attrs, opset=opset, n_outputs=n_outputs)
    first = next((v for v in inputs.values() if v is not None), None)
    for out in model.graph.output:
        if not out.type.HasField("tensor_type") and first is not None:
            out.type.tensor_type.elem_type = helper.np_dtype_to_tensor_dtype(first.dtype)
    return model


def refrt_only(op: str, inputs: dict[str, Any], attrs: dict[str, Any] | None = None, *, opset: int,
               n_outputs: int = 1) -> list[Any]:
    """refrt's outputs for a one-node :func:`typed_model`."""
    return run_refrt(typed_model(op, inputs, attrs, opset=opset, n_outputs=n_outputs), feeds_of(inputs))
