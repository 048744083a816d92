"""Helpers shared by Loop, Scan and SequenceMap: truth of a condition, stacking per-iteration
outputs, and what a body's declared types say (rank of its inputs, shape of an output)."""

from __future__ import annotations

import numpy as np

from refrt.types import np_dtype

__all__ = ["truth", "body_input_rank", "empty_scan_output", "stack_outputs"]


def truth(cond, what: str) -> bool:
    """The value of a one-element boolean condition tensor."""
    if not isinstance(cond, np.ndarray) or cond.size != 1:
        raise ValueError(f"{what} must be a tensor holding exactly one element, got {_describe(cond)}")
    return bool(cond.reshape(-1)[0])


def _describe(value) -> str:
    if isinstance(value, np.ndarray):
        return f"a tensor of shape {value.shape}"
    if isinstance(value, list):
        return "a sequence"
    return "an empty optional" if value is None else type(value).__name__


def _graph_values(body, which: str):
    """The body's declared graph inputs or outputs (ValueInfoProtos), or None for a bare callable."""
    graph = getattr(getattr(body, "compiled", None), "graph", None)
    return getattr(graph, which, None)


def body_input_rank(body, index: int) -> int:
    """Rank the body declares for input ``index`` (0 when it does not say): onnxruntime feeds the
    iteration number and condition with that rank, so a body declaring shape [1] gets shape [1]."""
    values = _graph_values(body, "inputs")
    if values is None or index >= len(values):
        return 0
    tp = values[index].type
    if tp.WhichOneof("value") != "tensor_type" or not tp.tensor_type.HasField("shape"):
        return 0
    return len(tp.tensor_type.shape.dim)


def empty_scan_output(body, index: int, lead: tuple[int, ...] = (0,)) -> np.ndarray:
    """The scan output of zero iterations for body output ``index``: ``lead`` dims, then the body's
    declared dims (0 where a dim is not a number, as onnxruntime does); rank 1 when undeclared."""
    values = _graph_values(body, "outputs")
    dtype, dims = np.dtype(np.float32), []
    if values is not None and index < len(values):
        tp = values[index].type
        if tp.WhichOneof("value") == "tensor_type":
            if tp.tensor_type.elem_type:
                dtype = np_dtype(tp.tensor_type.elem_type)
            if tp.tensor_type.HasField("shape"):
                dims = [d.dim_value if d.HasField("dim_value") else 0 for d in tp.tensor_type.shape.dim]
    return np.zeros((*lead, *dims), dtype=dtype)


def stack_outputs(parts: list, axis: int, what: str) -> np.ndarray:
    """Per-iteration tensors stacked along a new ``axis``; all must share shape and dtype."""
    first = parts[0]
    for i, p in enumerate(parts):
        if not isinstance(p, np.ndarray):
            raise ValueError(f"{what} must be a tensor in every iteration, got {_describe(p)} in iteration {i}")
        if p.shape != first.shape or p.dtype != first.dtype:
            raise ValueError(
                f"{what} changes across iterations: {first.dtype}{list(first.shape)} in iteration 0, "
                f"{p.dtype}{list(p.shape)} in iteration {i}"
            )
    return np.stack(parts, axis=axis)
