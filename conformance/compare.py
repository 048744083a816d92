"""Comparing outputs by the backend suite's own rule, and reading onnxruntime's outputs back.

The rule is onnx's ``Runner.assert_similar_outputs`` (same shapes, same dtypes, strings equal, numbers
within rtol/atol, bfloat16 given two ulps); it has no branch for an empty optional (None) or a map,
so those two are handled here before handing the rest to it.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx.backend.test.runner import Runner

_FLOAT8 = {
    onnx.TensorProto.FLOAT8E4M3FN: "float8_e4m3fn",
    onnx.TensorProto.FLOAT8E4M3FNUZ: "float8_e4m3fnuz",
    onnx.TensorProto.FLOAT8E5M2: "float8_e5m2",
    onnx.TensorProto.FLOAT8E5M2FNUZ: "float8_e5m2fnuz",
}


def assert_similar(expected: list, got: list, rtol: float, atol: float) -> None:
    """Raise AssertionError (one line first, then details) unless ``got`` matches ``expected``."""
    if len(expected) != len(got):
        raise AssertionError(f"{len(got)} outputs, expected {len(expected)}")
    for i, (e, g) in enumerate(zip(expected, got)):
        if e is None or g is None:
            if e is None and g is None:
                continue
            raise AssertionError(f"output {i}: got {_kind(g)}, expected {_kind(e)}")
        if isinstance(e, (list, tuple)) and isinstance(g, (list, tuple)):
            # onnx's rule recurses into a sequence passing each element as if it were an output list,
            # which breaks on 0-d elements (len() of a 0-d array): compare element by element instead.
            if len(e) != len(g):
                raise AssertionError(f"output {i}: sequence of {len(g)}, expected {len(e)}")
            try:
                assert_similar(list(e), list(g), rtol, atol)
            except AssertionError as err:
                raise AssertionError(f"output {i} (sequence), element {err}") from None
            continue
        if isinstance(e, dict) or isinstance(g, dict):
            if not (isinstance(e, dict) and isinstance(g, dict)) or sorted(e) != sorted(g):
                raise AssertionError(f"output {i}: got {_kind(g)}, expected {_kind(e)}")
            assert_similar([e[k] for k in sorted(e)], [g[k] for k in sorted(g)], rtol, atol)
            continue
        if isinstance(e, np.generic):
            e = np.asarray(e)
        if isinstance(g, np.generic):
            g = np.asarray(g)
        try:
            Runner.assert_similar_outputs([e], [g], rtol=rtol, atol=atol)
        except AssertionError as err:
            raise AssertionError(f"output {i}: " + summary(err)) from None
        except (TypeError, AttributeError, ValueError) as err:
            # onnx's rule raises these when the kinds differ (a list where an array was expected ...).
            raise AssertionError(f"output {i}: got {_kind(g)}, expected {_kind(e)} ({err})") from None


def summary(err: BaseException) -> str:
    """numpy's assertion text in one line: what differed and by how much."""
    lines = [line.strip() for line in str(err).strip().splitlines() if line.strip()]
    keep = [line for line in lines if not line.startswith(("ACTUAL", "DESIRED", "x:", "y:", "[", "array("))]
    return "; ".join(keep[:4])[:400]


def _kind(value) -> str:
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        return f"array {value.dtype} {list(value.shape)}"
    if isinstance(value, (list, tuple)):
        return f"sequence of {len(value)}"
    return type(value).__name__


def ort_outputs_as_onnx_types(values: list, model: onnx.ModelProto) -> list:
    """onnxruntime hands float8 tensors back as their uint8 bits: view them as float8 again."""
    out = []
    for value, vi in zip(values, model.graph.output):
        elem = vi.type.tensor_type.elem_type if vi.type.HasField("tensor_type") else 0
        if elem in _FLOAT8 and isinstance(value, np.ndarray) and value.dtype == np.uint8:
            import ml_dtypes

            value = value.view(getattr(ml_dtypes, _FLOAT8[elem]))
        out.append(value)
    return out


def _exotic(dtype: np.dtype) -> bool:
    """ml_dtypes' types (bfloat16, float8, int4 ...): onnxruntime's Python API takes none as a feed."""
    return dtype.type.__module__.startswith("ml_dtypes")


def for_onnxruntime(model: onnx.ModelProto, feeds: dict) -> tuple[onnx.ModelProto | None, dict, callable]:
    """The same computation in a form onnxruntime's Python API can be fed and read back.

    Its API converts neither feeds nor outputs of ml_dtypes' types. Such feeds become initializers
    (same values; no optimization runs, so the node still computes them), and such outputs get a
    Cast to float that is exact for every one of these types; ``restore`` casts them back to their
    type, so the comparison rule sees the declared dtypes. Returns ``(None, feeds, restore)`` when
    nothing needs changing.
    """
    from onnx import helper, numpy_helper

    exotic_in = [n for n, v in feeds.items() if isinstance(v, np.ndarray) and _exotic(v.dtype)]
    exotic_out = []
    for i, vi in enumerate(model.graph.output):
        if vi.type.HasField("tensor_type"):
            elem = vi.type.tensor_type.elem_type
            if elem and _exotic(np.dtype(helper.tensor_dtype_to_np_dtype(elem))):
                exotic_out.append((i, np.dtype(helper.tensor_dtype_to_np_dtype(elem))))
    if not exotic_in and not exotic_out:
        return None, feeds, lambda values: ort_outputs_as_onnx_types(values, model)
    adapted = onnx.ModelProto()
    adapted.CopyFrom(model)
    graph = adapted.graph
    if exotic_in:
        kept = [vi for vi in graph.input if vi.name not in exotic_in]
        del graph.input[:]
        graph.input.extend(kept)
        graph.initializer.extend(numpy_helper.from_array(feeds[n], n) for n in exotic_in)
        feeds = {n: v for n, v in feeds.items() if n not in exotic_in}
    for i, _ in exotic_out:
        vi = graph.output[i]
        name = vi.name + "__as_float"
        graph.node.append(helper.make_node("Cast", [vi.name], [name], to=onnx.TensorProto.FLOAT))
        shape = vi.type.tensor_type.shape
        new = helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None)
        new.type.tensor_type.shape.CopyFrom(shape)
        graph.output[i].CopyFrom(new)

    def restore(values: list) -> list:
        values = list(values)
        for i, dtype in exotic_out:
            if isinstance(values[i], np.ndarray):
                values[i] = values[i].astype(dtype)
        return ort_outputs_as_onnx_types(values, model)

    return adapted, feeds, restore
