"""Multi-head attention from the pattern PyTorch exports for BERT (onnxruntime's AttentionFusion).

    q, k, v  = Add(MatMul(x, Wq), bq), ...                          [b, s, hidden]
    Qh       = Transpose(Reshape(q, [b, s, heads, d]), [0, 2, 1, 3])   (Vh alike)
    Kt       = Transpose(Reshape(k, ...), [0, 2, 3, 1])  |  Transpose(Transpose(..., [0, 2, 1, 3]), [0, 1, 3, 2])
    scores   = Div(MatMul(Qh, Kt), c) | Mul(MatMul(Qh, Kt), 1 / c) | MatMul(Qh, Kt)
    probs    = Softmax(Add(scores, mask) | scores, axis=-1)
    y        = Reshape(Transpose(MatMul(probs, Vh), [0, 2, 1, 3]), [b, s, hidden])

becomes y = refrt MultiHeadAttention(q, k, v, mask, num_heads, scale=1/c). When q, k and v are
projections of one x by constant weights (self-attention), the three MatMul + Add become one MatMul
by the packed weights [Wq | Wk | Wv] and one Add, and the kernel reads heads straight out of that
packed buffer. With a default opset of 23 or more the standard Attention-23 is emitted instead, over
q, k, v (onnxruntime can then run the saved model). The Reshape shapes may be constants or built at
run time by Concat from Shape/Gather dims 0 and 1 (the exporter's x.size(0), x.size(1)); every
intermediate must be read by the pattern alone.
"""

from __future__ import annotations

from typing import NamedTuple, Sequence

import numpy as np

from refrt.ir import Graph, Node
from refrt.passes._pattern import Matcher
from refrt.passes._rewrite import REFRT_DOMAIN, attribute, kernel_available, new_node, rewrite
from refrt.providers import Provider

HEADS_FIRST = [0, 2, 1, 3]


class Found(NamedTuple):
    nodes: list[Node]
    q: str
    k: str
    v: str
    mask: str
    heads: int
    scale: float
    out: str


def fuse_attention(graph: Graph, providers: Sequence[Provider]) -> Graph:
    if not any(n.op_type == "Softmax" and n.domain == "" for n in graph.nodes):
        return graph
    standard = graph.opsets.get("", 1) >= 23 and kernel_available("Attention", "", providers, 23)
    if not standard and not kernel_available("MultiHeadAttention", REFRT_DOMAIN, providers):
        return graph
    m = Matcher(graph)
    remove: list[Node] = []
    add: list[Node] = []
    constants: dict[str, np.ndarray] = {}
    for softmax in graph.nodes:
        if softmax.op_type != "Softmax" or softmax.domain != "":
            continue
        found = _match(m, softmax)
        if found is None or not m.free(found.nodes):
            continue
        m.claim(found.nodes)
        # merge(softmax(split(q) @ split(k)^T * scale + mask) @ split(v)) = MultiHeadAttention(q, k, v, mask)
        remove += found.nodes
        if standard:
            inputs = [found.q, found.k, found.v, *([found.mask] if found.mask else [])]
            add.append(new_node("Attention", inputs, [found.out],
                                name=f"{found.out}_Attention", q_num_heads=found.heads, kv_num_heads=found.heads,
                                scale=found.scale))
            continue
        inputs = [found.q, found.k, found.v]
        packed = _packed_projection(m, found)
        if packed is not None:
            nodes, x, weight, bias = packed
            m.claim(nodes)
            remove += nodes
            w_name, b_name, mm, qkv = (m.fresh(f"{found.out}_qkv_{s}") for s in ("weight", "bias", "matmul", "packed"))
            # [x Wq + bq | x Wk + bk | x Wv + bv] = x [Wq|Wk|Wv] + [bq|bk|bv]
            constants[w_name], constants[b_name] = weight, bias
            add += [new_node("MatMul", [x, w_name], [mm], name=mm), new_node("Add", [mm, b_name], [qkv], name=qkv)]
            inputs = [qkv, "", ""]
        add.append(new_node("MultiHeadAttention", [*inputs, found.mask] if found.mask else inputs, [found.out],
                            domain=REFRT_DOMAIN, name=f"{found.out}_MultiHeadAttention", num_heads=found.heads,
                            scale=found.scale))
    if not add:
        return graph
    return rewrite(graph, remove=remove, add=add, initializers=constants)


def _match(m: Matcher, softmax: Node) -> Found | None:
    if m.attr(softmax, "axis") not in (-1, 3):
        return None
    probs = softmax.outputs[0]
    nodes = [softmax]
    # the additive mask, when there is one, on either side of the Add
    scores, mask = softmax.inputs[0], ""
    masked = m.source(scores, "Add")
    if masked is not None and m.reader(scores) is softmax:
        for s, k in (masked.inputs, masked.inputs[::-1]):
            if _scaled_scores(m, s, masked) is not None:
                scores, mask = s, k
                nodes.append(masked)
                break
    scaled = _scaled_scores(m, scores, nodes[-1])
    if scaled is None:
        return None
    scale_nodes, scale, qk = scaled
    nodes += scale_nodes
    q_heads = _split_heads(m, qk.inputs[0], qk, HEADS_FIRST)
    k_heads = _split_heads(m, qk.inputs[1], qk, [0, 2, 3, 1]) or _transposed_keys(m, qk.inputs[1], qk)
    pv = m.reader(probs, "MatMul")
    if q_heads is None or k_heads is None or pv is None or pv.inputs[0] != probs:
        return None
    v_heads = _split_heads(m, pv.inputs[1], pv, HEADS_FIRST)
    if v_heads is None:
        return None
    heads, size = q_heads[2], q_heads[3]
    if (k_heads[2], k_heads[3]) != (heads, size) or v_heads[2] != heads:
        return None
    merge = m.reader(pv.outputs[0], "Transpose")
    if merge is None or attribute(merge, "perm") != HEADS_FIRST:
        return None
    reshape = m.reader(merge.outputs[0], "Reshape")
    if reshape is None or not _merges_heads(m, reshape, heads * v_heads[3]):
        return None
    nodes += [*q_heads[0], *k_heads[0], *v_heads[0], qk, pv, merge, reshape]
    return Found(nodes, q_heads[1], k_heads[1], v_heads[1], mask, heads, scale, reshape.outputs[0])


def _scaled_scores(m: Matcher, name: str, reader: Node):
    """MatMul(Q, Kt), divided or multiplied by a constant or not: (nodes, scale, the MatMul) or None."""
    node = m.source(name)
    if node is None or node.domain != "" or m.reader(name) is not reader:
        return None
    if node.op_type == "MatMul":
        return [], 1.0, node
    if node.op_type == "Div" and (c := m.scalar(node.inputs[1])) is not None and c != 0:
        qk, scale = m.source(node.inputs[0], "MatMul"), 1.0 / c
    elif node.op_type == "Mul" and (pair := m.split_const(node)) is not None and (c := m.scalar(pair[1])) is not None:
        qk, scale = m.source(pair[0], "MatMul"), c
    else:
        return None
    if qk is None or m.reader(qk.outputs[0]) is not node:
        return None
    return [node], scale, qk


def _split_heads(m: Matcher, name: str, reader: Node, perm: list[int]):
    """Transpose(Reshape(t, [b, s, heads, d]), perm) read only by ``reader``: (nodes, t, heads, d) or None."""
    transpose = m.source(name, "Transpose")
    if transpose is None or m.reader(name) is not reader or attribute(transpose, "perm") != perm:
        return None
    reshape = m.source(transpose.inputs[0], "Reshape")
    if reshape is None or m.reader(reshape.outputs[0]) is not transpose or attribute(reshape, "allowzero"):
        return None
    dims = _shape_entries(m, reshape.inputs[1])
    if dims is None or len(dims) != 4 or not _keeps_batch_and_sequence(m, dims, reshape.inputs[0]):
        return None
    heads, size = dims[2], dims[3]
    if not (isinstance(heads, int) and isinstance(size, int) and heads > 0 and size > 0):
        return None
    hidden = (m.shape(reshape.inputs[0]) or (None,))[-1]
    if isinstance(hidden, int) and hidden != heads * size:
        return None
    return [transpose, reshape], reshape.inputs[0], heads, size


def _transposed_keys(m: Matcher, name: str, reader: Node):
    """Transpose(Kh, [0, 1, 3, 2]) of Kh = Transpose(Reshape(k), [0, 2, 1, 3])."""
    swap = m.source(name, "Transpose")
    if swap is None or m.reader(name) is not reader or attribute(swap, "perm") != [0, 1, 3, 2]:
        return None
    found = _split_heads(m, swap.inputs[0], swap, HEADS_FIRST)
    return None if found is None else ([swap, *found[0]], *found[1:])


def _merges_heads(m: Matcher, reshape: Node, hidden: int) -> bool:
    """Whether a Reshape turns [b, s, heads, d] into [b, s, heads * d]."""
    if attribute(reshape, "allowzero"):
        return False
    dims = _shape_entries(m, reshape.inputs[1])
    if dims is None or len(dims) != 3 or not _keeps_batch_and_sequence(m, dims, reshape.inputs[0]):
        return False
    return dims[2] == hidden or (dims[2] == -1 and -1 not in dims[:2])  # [b, s, -1]: the rest is heads * d


def _keeps_batch_and_sequence(m: Matcher, dims: list, source: str) -> bool:
    """Whether the first two entries of a Reshape shape keep ``source``'s first two dimensions.

    Each is 0 (copy), x.size(i) or the known dimension itself; one may be -1 when every other
    dimension, the source's included, is known to match (then -1 can only mean that dimension).
    """
    shape = m.shape(source) or (None, None)
    if len(shape) < 2:
        return False
    kept = [entry == 0 or entry == ("dim", i) or (isinstance(dim, int) and entry == dim)
            for i, (entry, dim) in enumerate(zip(dims[:2], shape[:2]))]
    if all(kept):
        return True
    inner = [d for d in dims[2:]]
    return (sorted(kept) == [False, True] and dims[kept.index(False)] == -1 and -1 not in inner
            and all(isinstance(d, int) for d in shape[2:]) and int(np.prod(shape[2:])) == int(np.prod(inner)))


def _shape_entries(m: Matcher, name: str) -> list | None:
    """A Reshape's shape as a list: ints where constant, ("dim", i) where it is x.size(i), computed
    at run time (Unsqueeze(Gather(Shape(t), i)) or Gather(Shape(t), [i])), joined by a Concat."""
    value = m.const(name)
    if value is not None:
        return [int(v) for v in value.reshape(-1)]
    concat = m.source(name, "Concat")
    if concat is None or m.attr(concat, "axis") != 0:
        return None
    entries: list = []
    for part in concat.inputs:
        value = m.const(part)
        if value is not None:
            entries += [int(v) for v in value.reshape(-1)]
            continue
        dim = _runtime_dim(m, part)
        if dim is None:
            return None
        entries.append(("dim", dim))
    return entries


def _runtime_dim(m: Matcher, name: str) -> int | None:
    """i where ``name`` is the 1-element vector [t.shape[i]]; None otherwise."""
    node = m.source(name)
    if node is None:
        return None
    if node.op_type == "Unsqueeze" and node.domain == "":
        axes = m.reduce_axes(node)
        gather = m.source(node.inputs[0], "Gather")
        if axes != [0] or gather is None:
            return None
        index = m.const(gather.inputs[1])
        ok_shape = index is not None and index.ndim == 0
    elif node.op_type == "Gather" and node.domain == "":
        gather, index = node, m.const(node.inputs[1])
        ok_shape = index is not None and index.shape == (1,)
    else:
        return None
    shape = m.source(gather.inputs[0], "Shape")
    if not ok_shape or shape is None or (m.attr(gather, "axis") or 0) != 0:
        return None
    if attribute(shape, "start") not in (None, 0) or attribute(shape, "end") is not None:
        return None
    i = int(index.reshape(()))
    return i if i >= 0 else None


def _packed_projection(m: Matcher, found: Found):
    """q, k, v = Add(MatMul(x, W*), b*) with one x and constant weights: (nodes, x, [Wq|Wk|Wv], [bq|bk|bv])."""
    parts = []
    for name in (found.q, found.k, found.v):
        bias_add = m.source(name, "Add")
        if bias_add is None or len(m.uses.get(name, [])) != 1 or name in m.outputs:
            return None
        pair = m.split_const(bias_add)
        matmul = None if pair is None else m.source(pair[0], "MatMul")
        if matmul is None or m.reader(pair[0]) is not bias_add or not m.free([bias_add, matmul]):
            return None
        weight, bias = m.const(matmul.inputs[1]), m.const(pair[1])
        if weight is None or weight.ndim != 2 or bias.shape != (weight.shape[1],):
            return None
        parts.append((matmul.inputs[0], weight, bias, [matmul, bias_add]))
    xs, weights, biases, nodes = zip(*parts)
    if len(set(xs)) != 1 or len({w.shape for w in weights}) != 1 or len({w.dtype for w in (*weights, *biases)}) != 1:
        return None
    return [n for pair in nodes for n in pair], xs[0], np.concatenate(weights, axis=1), np.concatenate(biases)
