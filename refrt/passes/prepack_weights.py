"""Constant weights packed once, at session creation, in the layout their kernel multiplies (ORT_ENABLE_LAYOUT).

- Conv / FusedConv with a constant W -> FusedConv with ``packed=1`` and W as the contiguous
  (M, C/group * prod(kernel)) matrix the im2col matmul takes, already in the compute dtype: a
  float16/bfloat16 weight is widened once instead of on every run.
- Gemm / FusedGemm with a constant B and transB=1 -> B stored transposed, contiguous, transB=0; a
  constant C with beta != 1 is scaled once (beta=1): the same numbers Gemm computes per run.
- FusedMatMul with a constant B and transB=1 -> B stored transposed, contiguous, transB=0.
- LSTM with the default cell (no clip, peepholes, input_forget, activations or sequence_lens) and
  constant W, R, B -> PackedLSTM with W and R stored transposed, contiguous, and B's two halves
  summed: the layout every step multiplies.
Gemm stays a standard Gemm, so the saved model still runs anywhere.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from refrt.ir import Graph, Node
from refrt.passes._fusion_util import Folding, copy_with, fused_node, value_of
from refrt.passes._rewrite import REFRT_DOMAIN, attribute, constant, kernel_available
from refrt.providers import Provider

NARROW = ("float16", "bfloat16")  # widened to float32 by the Conv kernel on every run


def prepack_weights(graph: Graph, providers: Sequence[Provider]) -> Graph:
    if not any(n.op_type in ("Conv", "FusedConv", "Gemm", "FusedGemm", "FusedMatMul", "LSTM") for n in graph.nodes):
        return graph
    conv_ok = kernel_available("FusedConv", REFRT_DOMAIN, providers)
    lstm_ok = kernel_available("PackedLSTM", REFRT_DOMAIN, providers)
    edits = Folding(graph)
    packed: dict[tuple[str, str], str] = {}  # (weight, how) -> its packed constant: shared weights pack once

    def pack(name: str, how: str, make) -> str:
        if (name, how) not in packed:
            packed[(name, how)] = edits.constant(f"{name}_{how}", make())
        edits.replaced.append(name)
        return packed[(name, how)]

    for node in graph.nodes:
        new = None
        if conv_ok and _packable_conv(graph, node):
            w = constant(graph, node.inputs[1])
            dtype = np.float32 if w.dtype.name in NARROW else w.dtype
            # FusedConv(packed=1) reads W as W.reshape(M, C/group * prod(kernel)), in the compute dtype
            w_name = pack(node.inputs[1], "im2col", lambda: np.ascontiguousarray(
                w.reshape(w.shape[0], math.prod(w.shape[1:])), dtype=dtype))
            inputs = [node.inputs[0], w_name, *node.inputs[2:]]
            kernel_shape = [int(k) for k in w.shape[2:]]
            if node.op_type == "Conv":
                new = fused_node("FusedConv", node, inputs, list(node.outputs), packed=1, kernel_shape=kernel_shape)
            else:
                new = copy_with(node, inputs=inputs, packed=1, kernel_shape=kernel_shape)
        elif lstm_ok and _is(node, "LSTM", "") and _packable_lstm(graph, node):
            new = _pack_lstm(graph, node, pack)
        elif _is(node, "Gemm", "") or _is(node, "FusedGemm", REFRT_DOMAIN):
            new = _pack_gemm(graph, node, pack)
        elif _is(node, "FusedMatMul", REFRT_DOMAIN) and attribute(node, "transB", 0):
            b = constant(graph, node.inputs[1])
            if b is not None and b.ndim >= 2 and b.dtype.kind == "f":
                # A @ swap(B) = A @ B' with B' = swap(B) stored contiguous
                b_name = pack(node.inputs[1], "transposed", lambda: np.ascontiguousarray(np.swapaxes(b, -1, -2)))
                new = copy_with(node, inputs=[node.inputs[0], b_name, *node.inputs[2:]], transB=None)
        if new is not None:
            edits.remove.append(node)
            edits.add.append(new)
    return edits.result()


def _is(node: Node, op_type: str, domain: str) -> bool:
    return node.op_type == op_type and node.domain == domain


def _packable_conv(graph: Graph, node: Node) -> bool:
    if not (_is(node, "Conv", "") or (_is(node, "FusedConv", REFRT_DOMAIN) and not attribute(node, "packed", 0))):
        return False
    w = constant(graph, node.inputs[1]) if len(node.inputs) > 1 else None
    if w is None or w.ndim < 3 or not (w.dtype.kind == "f" or w.dtype.name in NARROW):
        return False
    kernel_shape = attribute(node, "kernel_shape")
    return not kernel_shape or list(kernel_shape) == list(w.shape[2:])  # a mismatch fails at run time, as written


LSTM_CELL_ATTRIBUTES = ("activations", "activation_alpha", "activation_beta", "clip", "input_forget")


def _packable_lstm(graph: Graph, node: Node) -> bool:
    ins = list(node.inputs) + [""] * (8 - len(node.inputs))
    if ins[4] or ins[7] or any(value_of(graph, node, a) for a in LSTM_CELL_ATTRIBUTES):
        return False  # sequence_lens, peepholes, or a cell other than the default
    w, r = constant(graph, ins[1]), constant(graph, ins[2])
    b = constant(graph, ins[3]) if ins[3] else None
    if w is None or r is None or (ins[3] and b is None) or w.dtype not in (np.float32, np.float64):
        return False
    d, g, h = r.shape if r.ndim == 3 else (0, 0, 0)
    return (w.ndim == 3 and r.dtype == w.dtype and g == 4 * h and w.shape[:2] == (d, g)
            and (b is None or (b.dtype == w.dtype and b.shape == (d, 2 * g))))


def _pack_lstm(graph: Graph, node: Node, pack) -> Node:
    ins = list(node.inputs) + [""] * (8 - len(node.inputs))
    w, r = constant(graph, ins[1]), constant(graph, ins[2])
    b = constant(graph, ins[3]) if ins[3] else np.zeros((r.shape[0], 2 * r.shape[1]), w.dtype)
    g = r.shape[1]
    w_name = pack(ins[1], "transposed", lambda: np.ascontiguousarray(np.swapaxes(w, 1, 2)))
    r_name = pack(ins[2], "transposed", lambda: np.ascontiguousarray(np.swapaxes(r, 1, 2)))
    b_name = pack(ins[3] or f"{node.name or node.outputs[0]}_B", "summed", lambda: b[:, :g] + b[:, g:])
    inputs = [ins[0], w_name, r_name, b_name, ins[5], ins[6]]
    while inputs and not inputs[-1]:
        inputs.pop()
    new = fused_node("PackedLSTM", node, inputs, list(node.outputs))
    for name in (*LSTM_CELL_ATTRIBUTES, "output_sequence"):
        new.attributes.pop(name, None)
    return new


def _pack_gemm(graph: Graph, node: Node, pack) -> Node | None:
    if "broadcast" in node.attributes:
        return None  # old Gemm: leave its broadcasting rules alone
    b = constant(graph, node.inputs[1])
    inputs = list(node.inputs)
    attrs = {}
    if b is not None and b.ndim == 2 and b.dtype.kind == "f" and value_of(graph, node, "transB"):
        # A' @ B.T = A' @ B' with B' = B.T stored contiguous
        inputs[1] = pack(node.inputs[1], "transposed", lambda: np.ascontiguousarray(b.T))
        attrs["transB"] = 0
    beta = value_of(graph, node, "beta")
    c = constant(graph, inputs[2]) if len(inputs) > 2 and inputs[2] else None
    if c is not None and c.dtype in (np.float32, np.float64) and beta not in (None, 0.0, 1.0):
        # beta * C once, as Gemm computes it on every run (C * beta in C's type)
        inputs[2] = pack(inputs[2], f"times_{beta:g}", lambda: c * c.dtype.type(beta))
        attrs["beta"] = 1.0
    return copy_with(node, inputs=inputs, **attrs) if attrs else None
