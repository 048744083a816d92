"""Inference BatchNormalization (and the per-channel Mul/Add after it) -> one Mul and one Add (ORT_ENABLE_EXTENDED).

A BatchNormalization in inference mode whose statistics are constants is the per-channel affine map
x * a + c, with a = scale / sqrt(var + epsilon) and c = B - mean * a, computed once here in float64.
Each constant per-channel Mul or Add that alone reads the result folds into (a, c) as well
(Caffe2's DenseNet writes BN, Mul, Add, Relu), so a BN, Mul, Add chain costs two passes over the
data instead of the normalisation's five and two more; fuse_elementwise_chain then makes the Mul,
the Add and a following Relu one FusedElementwise node. Where a BatchNormalization follows a Conv,
fuse_conv_bn (which runs first) folds it into the Conv's weights instead. The new nodes are
standard Mul and Add, so the saved model runs anywhere.
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

import numpy as np

from refrt.ir import Graph, Node
from refrt.passes._fusion_util import Folding, channel_vector, rank_of, value_of
from refrt.passes._rewrite import constant, consumers, kernel_available, new_node, only_consumer
from refrt.providers import Provider

FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def fuse_batchnorm_affine(graph: Graph, providers: Sequence[Provider]) -> Graph:
    if not any(n.op_type == "BatchNormalization" and not n.domain for n in graph.nodes):
        return graph
    if not (kernel_available("Mul", "", providers, 14) and kernel_available("Add", "", providers, 14)):
        return graph
    uses = consumers(graph)
    edits = Folding(graph)
    types = dict(graph.value_info)
    for bn in graph.nodes:
        if bn.op_type != "BatchNormalization" or bn.domain:
            continue
        affine = _affine(graph, bn)
        if affine is None:
            continue
        a, c, rank = affine
        channels = a.shape[0]
        chain = [bn]
        out = bn.outputs[0]
        while True:  # absorb the constant per-channel Mul / Add that alone read the result
            nxt = only_consumer(graph, uses, out)
            if nxt is None or nxt.domain or nxt.op_type not in ("Mul", "Add") or len(nxt.outputs) != 1:
                break
            other = [i for i in nxt.inputs if i != out]
            value = constant(graph, other[0]) if len(other) == 1 and len(nxt.inputs) == 2 else None
            vector = None if value is None or value.dtype != a.dtype else channel_vector(value, channels, rank)
            if vector is None:
                break
            v = vector.astype(np.float64)
            if nxt.op_type == "Mul":
                a, c = a * v, c * v
            else:
                c = c + v
            chain.append(nxt)
            edits.replaced.append(other[0])
            out = nxt.outputs[0]
        dtype = constant(graph, bn.inputs[1]).dtype
        shape = (channels,) + (1,) * (rank - 2)
        a_name = edits.constant(f"{bn.inputs[1]}_affine_scale", a.astype(dtype).reshape(shape))
        c_name = edits.constant(f"{bn.inputs[2]}_affine_shift", c.astype(dtype).reshape(shape))
        mid = edits.fresh(f"{bn.outputs[0]}_scaled")
        if bn.outputs[0] in types:  # x * a has BN's output type and shape: chain fusion reads it
            types[mid] = types[bn.outputs[0]]
        edits.add.append(new_node("Mul", [bn.inputs[0], a_name], [mid],
                                  name=f"{bn.name}_affine_mul" if bn.name else ""))
        edits.add.append(new_node("Add", [mid, c_name], [out], name=f"{bn.name}_affine_add" if bn.name else ""))
        edits.remove += chain
        edits.replaced += [n for n in bn.inputs[1:] if n]
    return edits.result(dataclasses.replace(graph, value_info=types))


def _affine(graph: Graph, bn: Node) -> tuple[np.ndarray, np.ndarray, int] | None:
    """(a, c, rank of X) with BN(x) = x * a + c per channel (float64), or None when the rule does not apply."""
    if len(bn.outputs) != 1 or len(bn.inputs) != 5 or value_of(graph, bn, "training_mode"):
        return None
    if value_of(graph, bn, "spatial") not in (None, 1):
        return None  # per-activation statistics (spatial=0): not a per-channel map
    rank = rank_of(graph, bn.inputs[0])
    params = [constant(graph, n) for n in bn.inputs[1:]]
    if rank is None or rank < 2 or any(p is None or p.ndim != 1 for p in params):
        return None
    if len({p.shape for p in params}) != 1 or params[0].dtype not in FLOATS or any(p.dtype != params[0].dtype
                                                                                  for p in params):
        return None
    scale, shift, mean, var = (p.astype(np.float64) for p in params)
    a = scale / np.sqrt(var + float(value_of(graph, bn, "epsilon")))
    return a, shift - mean * a, rank
