"""Chains of elementwise ops -> one refrt FusedElementwise node that allocates once.

    y = f_n(... f_2(f_1(a, b), c) ..., z)      each f_i's result read by f_(i+1) alone, no graph output

where every f_i is an elementwise op with a one-ufunc kernel (Add, Sub, Mul, Div, Pow, Max, Min,
Clip, Relu, Sigmoid, Exp, Log, Sqrt, Tanh ...), the values float32 or float64, and every operand
after the first op a constant or a value of the same shape as the chain's (so the chain's buffer
can take each result in place). The first op's operands may be anything. The chain is recorded as
attributes (``ops``, ``operands``: input index per operand, -1 for the chain's value so far).

Runs last among the fusions: every named pattern (Gelu, LayerNormalization, bias + activation ...)
is also a chain of elementwise ops, and its own fused kernel beats a generic chain.
"""

from __future__ import annotations

from typing import Sequence

from onnx import TensorProto

from refrt.ir import Graph, Node
from refrt.passes._pattern import Matcher
from refrt.passes._rewrite import REFRT_DOMAIN, kernel_available, new_node, rewrite
from refrt.providers import Provider

# op type -> number of operands (the kernel's table, kernels/numpy/op_fused_elementwise.py, has the same ops)
ARITY = {
    **dict.fromkeys(("Abs", "Neg", "Exp", "Log", "Sqrt", "Reciprocal", "Tanh", "Floor", "Ceil", "Sin", "Cos",
                     "Relu", "Sigmoid"), 1),
    **dict.fromkeys(("Add", "Sub", "Mul", "Div", "Pow", "Max", "Min"), 2),
    "Clip": 3,
}
FLOATS = (TensorProto.FLOAT, TensorProto.DOUBLE)
NO_EFFECT = {"consumed_inputs"}  # opset-1 in-place hints: an op with only these is the plain op


def fuse_elementwise_chain(graph: Graph, providers: Sequence[Provider]) -> Graph:
    m = Matcher(graph)
    if sum(_chainable(m, n) for n in graph.nodes) < 2:
        return graph
    if not kernel_available("FusedElementwise", REFRT_DOMAIN, providers):
        return graph
    remove: list[Node] = []
    add: list[Node] = []
    for node in graph.nodes:  # topological order: a chain is met at its head
        if node.index in m.taken or not _chainable(m, node):
            continue
        chain = [node]
        # computed values before constants: input 0 is the one mark_inplace may let the kernel overwrite
        inputs = sorted(dict.fromkeys(node.inputs), key=lambda name: m.const(name) is not None)
        operands = [inputs.index(name) for name in node.inputs]
        while True:
            value = chain[-1].outputs[0]
            nxt = m.reader(value)
            if nxt is None or nxt.index in m.taken or not _chainable(m, nxt):
                break
            refs = _operands(m, nxt, value, inputs)
            if refs is None:
                break
            chain.append(nxt)
            operands += refs
        if len(chain) < 2:
            continue
        m.claim(chain)
        # f_n(...f_1(a, b)..., z) = FusedElementwise(a, b, ..., z; ops=[f_1..f_n], operands=refs)
        remove += chain
        out = chain[-1].outputs[0]
        add.append(new_node("FusedElementwise", inputs, [out], domain=REFRT_DOMAIN, name=f"{out}_FusedElementwise",
                            ops=[n.op_type for n in chain], operands=operands))
    return rewrite(graph, remove=remove, add=add) if add else graph


def _operands(m: Matcher, node: Node, value: str, inputs: list[str]) -> list[int] | None:
    """``node``'s operands as refs (-1: the chain's value), adding new inputs; None if one does not fit."""
    refs, new = [], []
    for name in node.inputs:
        if name == value:
            refs.append(-1)
        elif m.const(name) is not None or m.same_shape(name, value):
            if name not in inputs and name not in new:
                new.append(name)
            refs.append(inputs.index(name) if name in inputs else len(inputs) + new.index(name))
        else:
            return None
    inputs += new
    return refs


def _chainable(m: Matcher, node: Node) -> bool:
    arity = ARITY.get(node.op_type)
    return (
        node.domain == ""
        and arity is not None
        and len(node.inputs) == arity
        and all(node.inputs)
        and len(node.outputs) == 1
        and not node.subgraphs
        and set(node.attributes) <= NO_EFFECT
        and m.elem_type(node.outputs[0]) in FLOATS
        and (node.op_type != "Clip" or all(m.const(b) is not None and m.const(b).size == 1 for b in node.inputs[1:]))
    )
