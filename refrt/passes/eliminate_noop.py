"""No-op elimination: Cast/Reshape/Transpose/Slice/Pad/Expand that leave their input unchanged
(ORT_ENABLE_BASIC).

Decided statically, from constant inputs (after fold_constants) and the shapes that shape inference
recorded in ``graph.value_info``; a node whose effect is not known for sure stays. Removal is
``bypass``'s: readers read the input, names that callers see never change.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import onnx

from refrt.ir import Graph, Node
from refrt.passes._rewrite import attribute, constant
from refrt.passes.eliminate_identity import bypass
from refrt.providers import Provider
from refrt.types import shape_of

TO_THE_END = 2**31 - 1  # a Slice end at least this large runs to the end of any dimension a tensor can have


def eliminate_noop(graph: Graph, providers: Sequence[Provider]) -> Graph:
    removable = [n for n in graph.nodes if n.domain == "" and n.op_type in RULES and n.inputs and n.inputs[0]
                 and RULES[n.op_type](graph, n)]
    return bypass(graph, removable) if removable else graph


def _cast(graph: Graph, node: Node) -> bool:
    # Cast(x, to=T) == x when x is already of type T
    elem = _elem_type(graph, node.inputs[0])
    return elem is not None and elem == attribute(node, "to")


def _cast_like(graph: Graph, node: Node) -> bool:
    # CastLike(x, t) == x when x and t have the same element type
    elem = _elem_type(graph, node.inputs[0])
    return elem is not None and elem == _elem_type(graph, node.inputs[1])


def _reshape(graph: Graph, node: Node) -> bool:
    # Reshape(x, s) == x when s resolves to x's own shape (0 copies a dim unless allowzero; -1 infers one)
    if len(node.inputs) < 2:  # Reshape-1 holds the shape as an attribute
        shape = attribute(node, "shape")
        target = None if shape is None else np.asarray(shape, np.int64)
    else:
        target = constant(graph, node.inputs[1])
    dims = _dims(graph, node.inputs[0])
    if target is None or dims is None or target.ndim != 1 or len(target) != len(dims):
        return False
    copy_zero = not attribute(node, "allowzero", 0)
    open_dims = []
    for i, (t, d) in enumerate(zip(target.tolist(), dims)):
        if t == 0 and copy_zero:
            continue
        if t == -1:
            open_dims.append(i)
        elif not (isinstance(d, int) and t == d):
            return False
    # A -1 equals its dim only when every other dim is a known positive number matched above.
    if not open_dims:
        return True
    others = [d for i, d in enumerate(dims) if i != open_dims[0]]
    return len(open_dims) == 1 and all(isinstance(d, int) and d > 0 for d in others)


def _transpose(graph: Graph, node: Node) -> bool:
    # Transpose(x, perm=[0, 1, ..., n-1]) == x; without perm it reverses the axes: a no-op for rank <= 1
    perm = attribute(node, "perm")
    if perm is not None:
        return list(perm) == list(range(len(perm)))
    dims = _dims(graph, node.inputs[0])
    return dims is not None and len(dims) <= 1


def _slice(graph: Graph, node: Node) -> bool:
    # Slice(x) == x when every sliced axis runs from 0 to its end with step 1
    if len(node.inputs) >= 3:  # revision 10 on: starts, ends, axes, steps are inputs
        names = (node.inputs + ["", ""])[1:5]
        if any(n and constant(graph, n) is None for n in names):
            return False
        starts, ends, axes, steps = (constant(graph, n) if n else None for n in names)
    else:
        starts, ends, axes, steps = attribute(node, "starts"), attribute(node, "ends"), attribute(node, "axes"), None
        if starts is None or ends is None:
            return False
    starts, ends = np.asarray(starts).tolist(), np.asarray(ends).tolist()
    axes = list(range(len(starts))) if axes is None else np.asarray(axes).tolist()
    steps = [1] * len(starts) if steps is None else np.asarray(steps).tolist()
    dims = _dims(graph, node.inputs[0])
    if dims is None:
        return False
    for axis, start, end, step in zip(axes, starts, ends, steps):
        if step != 1 or not -len(dims) <= axis < len(dims):
            return False
        d = dims[axis]
        known = isinstance(d, int)
        if not (start == 0 or (known and start <= -d)):
            return False
        if not (end >= TO_THE_END or (known and end >= d)):
            return False
    return True


def _pad(graph: Graph, node: Node) -> bool:
    # Pad(x, pads=0...) == x, whatever the mode
    if len(node.inputs) > 1 and node.inputs[1]:
        pads = constant(graph, node.inputs[1])
    else:
        pads = attribute(node, "pads", attribute(node, "paddings"))
    return pads is not None and not np.any(np.asarray(pads))


def _expand(graph: Graph, node: Node) -> bool:
    # Expand(x, s) == x when broadcasting x's shape with s gives x's shape (each s dim is 1 or equal)
    target, dims = constant(graph, node.inputs[1]), _dims(graph, node.inputs[0])
    if target is None or dims is None or target.ndim != 1 or len(target) > len(dims):
        return False
    aligned = dims[len(dims) - len(target):]
    return all(t == 1 or (isinstance(d, int) and t == d) for t, d in zip(target.tolist(), aligned))


RULES: dict[str, Callable[[Graph, Node], bool]] = {
    "Cast": _cast, "CastLike": _cast_like, "Reshape": _reshape, "Transpose": _transpose,
    "Slice": _slice, "Pad": _pad, "Expand": _expand,
}


def _dims(graph: Graph, name: str) -> list | None:
    """Static dims of a value (int where known, else a symbol or None); None when the rank is unknown."""
    value = _constant_value(graph, name)
    if value is not None and not isinstance(value, np.ndarray):
        return list(value.dims)
    if value is not None:
        return list(value.shape)
    tp = graph.value_info.get(name)
    return shape_of(tp) if tp is not None else None


def _elem_type(graph: Graph, name: str) -> int | None:
    value = _constant_value(graph, name)
    if isinstance(value, onnx.TensorProto):
        return value.data_type
    if isinstance(value, np.ndarray):
        from refrt.types import elem_type_of

        return elem_type_of(value)
    tp = graph.value_info.get(name)
    if tp is None or tp.WhichOneof("value") != "tensor_type" or not tp.tensor_type.elem_type:
        return None
    return tp.tensor_type.elem_type


def _constant_value(graph: Graph, name: str):
    """The initializer of ``name`` unless a feed can override it (then its declared type counts)."""
    if name not in graph.initializers or any(vi.name == name for vi in graph.inputs):
        return None
    return graph.initializers[name]
