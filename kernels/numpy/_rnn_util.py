"""Shared machinery of the recurrent kernels (RNN, GRU, LSTM).

Each op supplies a cell: given one time step's input projection (x @ W^T + Wb, computed for all
steps in one matmul up front) and the current states, it returns the new states, hidden state
first. This module settles what the three ops share: layout, directions, activation functions with
their alpha/beta, clip, and ``sequence_lens`` (a batch entry stops at its length: its Y rows past it
are zero and its states keep their last value; the reverse direction starts at its last valid step).
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from ._elementwise_util import NARROW_FLOATS

DIRECTIONS = ("forward", "reverse", "bidirectional")


def _sigmoid(x):
    # exp(-|x|) never overflows; sigmoid(x) = 1 / (1 + e^-x) for x >= 0, e^x / (1 + e^x) below.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0, e) / (1.0 + e)


def _softplus(x):
    return np.logaddexp(0, x)


# name (lower case) -> (function of x, alpha, beta; default alpha; default beta). A default of None
# means the function takes no such argument, so none is consumed from activation_alpha/beta.
_ACTIVATIONS: dict[str, tuple[Callable, float | None, float | None]] = {
    "relu": (lambda x, a, b: np.maximum(x, 0), None, None),
    "tanh": (lambda x, a, b: np.tanh(x), None, None),
    "sigmoid": (lambda x, a, b: _sigmoid(x), None, None),
    # onnxruntime takes 0 for an Affine or ScaledTanh parameter the lists leave out.
    "affine": (lambda x, a, b: x * a + b, 0.0, 0.0),
    "leakyrelu": (lambda x, a, b: np.where(x >= 0, x, x * a), 0.01, None),
    "thresholdedrelu": (lambda x, a, b: np.where(x > a, x, 0), 1.0, None),
    "scaledtanh": (lambda x, a, b: a * np.tanh(b * x), 0.0, 0.0),
    "hardsigmoid": (lambda x, a, b: np.clip(a * x + b, 0, 1), 0.2, 0.5),
    "elu": (lambda x, a, b: np.where(x >= 0, x, a * np.expm1(np.minimum(x, 0))), 1.0, None),
    "softsign": (lambda x, a, b: x / (1 + np.abs(x)), None, None),
    "softplus": (lambda x, a, b: _softplus(x), None, None),
}


def activation_functions(
    op: str,
    names: Sequence[str] | None,
    alphas: Sequence[float] | None,
    betas: Sequence[float] | None,
    defaults: Sequence[str],
    num_directions: int,
) -> list[list[Callable]]:
    """One list of activation functions per direction.

    ``names`` holds the functions of every direction in turn (f, g[, h] forward, then reverse); a
    bidirectional node that lists one direction's set uses it for both. Alphas and betas are taken
    in that order by the functions that have such a parameter, defaults where the lists run out.
    """
    per_dir = len(defaults)
    names = list(names) if names else list(defaults) * num_directions
    if len(names) == per_dir and num_directions == 2:
        names = names * 2
    elif op == "RNN" and num_directions == 1 and len(names) == 2:
        names = names[:1]  # RNN's default lists two functions; one direction uses the first
    if len(names) != per_dir * num_directions:
        raise ValueError(
            f"{op}: activations {names} must list {per_dir} function(s) per direction ({num_directions})"
        )
    alphas = list(alphas or [])
    betas = list(betas or [])
    funcs = []
    for name in names:
        key = name.lower()
        if key not in _ACTIVATIONS:
            raise ValueError(f"{op}: unknown activation function {name!r}")
        fn, alpha, beta = _ACTIVATIONS[key]
        if alpha is not None and alphas:
            alpha = alphas.pop(0)
        if beta is not None and betas:
            beta = betas.pop(0)
        funcs.append(lambda x, fn=fn, a=alpha, b=beta: fn(x, a, b))
    return [funcs[d * per_dir : (d + 1) * per_dir] for d in range(num_directions)]


def num_directions_of(op: str, direction: str) -> int:
    if direction == "foward":  # GRU-1's schema spells its default this way
        direction = "forward"
    if direction not in DIRECTIONS:
        raise ValueError(f"{op}: direction must be one of {DIRECTIONS}, got {direction!r}")
    return 2 if direction == "bidirectional" else 1


def clipper(clip) -> Callable:
    if clip is None:
        return lambda x: x
    if clip <= 0:
        raise ValueError(f"clip must be positive, got {clip}")
    return lambda x: np.clip(x, -clip, clip)


def work_dtype(dtype: np.dtype) -> np.dtype:
    return np.dtype(np.float32) if dtype in NARROW_FLOATS else dtype


class Recurrence:
    """The shapes and the time-step order shared by all directions of one recurrent node."""

    def __init__(self, op: str, x, w, r, sequence_lens, layout: int, gates: int, hidden_size):
        if layout not in (0, 1):
            raise ValueError(f"{op}: layout must be 0 or 1, got {layout}")
        if x.ndim != 3:
            raise ValueError(f"{op}: X must be 3-D, got shape {x.shape}")
        if w.ndim != 3 or r.ndim != 3:
            raise ValueError(f"{op}: W and R must be 3-D, got shapes {w.shape} and {r.shape}")
        self.op = op
        self.layout = layout
        self.dtype = x.dtype
        self.work = work_dtype(x.dtype)
        xs = np.swapaxes(x, 0, 1) if layout else x  # (T, B, I)
        self.x = xs.astype(self.work, copy=False)
        self.seq_length, self.batch, inputs = xs.shape
        self.hidden = r.shape[-1]
        if hidden_size is not None and hidden_size != self.hidden:
            raise ValueError(f"{op}: hidden_size={hidden_size} but R has shape {r.shape}")
        h = self.hidden
        self.num_directions = w.shape[0]
        if w.shape[1:] != (gates * h, inputs) or r.shape != (self.num_directions, gates * h, h):
            raise ValueError(
                f"{op}: W {w.shape} / R {r.shape} do not match X {x.shape} with hidden size {h} "
                f"({gates} gate(s))"
            )
        self.lengths = None
        if sequence_lens is not None:
            lengths = np.asarray(sequence_lens).reshape(-1).astype(np.int64)
            if lengths.shape != (self.batch,):
                raise ValueError(f"{op}: sequence_lens has {lengths.size} entries for a batch of {self.batch}")
            if np.any(lengths < 0) or np.any(lengths > self.seq_length):
                raise ValueError(f"{op}: sequence_lens {lengths.tolist()} must lie in [0, {self.seq_length}]")
            if np.any(lengths != self.seq_length):
                self.lengths = lengths

    def state(self, value, name: str):
        """An initial state as (num_directions, B, H) in the work type (zeros when absent)."""
        shape = (self.num_directions, self.batch, self.hidden)
        if value is None:
            return np.zeros(shape, self.work)
        value = np.swapaxes(value, 0, 1) if self.layout else value
        if value.shape != shape:
            raise ValueError(f"{self.op}: {name} must have shape {shape} (layout {self.layout}), got {value.shape}")
        return value.astype(self.work, copy=False)

    def order(self, reverse: bool) -> np.ndarray | None:
        """Time index (T, B) each step of a reverse pass over ragged lengths reads (else None)."""
        if not reverse or self.lengths is None:
            return None
        # Within its length an entry runs backwards from its last valid step; past it, in place.
        t = np.arange(self.seq_length)[:, None]
        return np.where(t < self.lengths, self.lengths - 1 - t, t)

    def run(
        self,
        proj: np.ndarray,
        states: tuple[np.ndarray, ...],
        cell: Callable[[np.ndarray, tuple[np.ndarray, ...]], tuple[np.ndarray, ...]],
        reverse: bool,
        want_y: bool,
    ) -> tuple[np.ndarray | None, tuple[np.ndarray, ...]]:
        """Run ``cell`` over the steps of one direction.

        ``proj`` is (T, B, G) input projections in time order; returns Y (T, B, H) in time order
        (zeros past each entry's length) and the final states.
        """
        order = self.order(reverse)
        if order is not None:
            proj = np.take_along_axis(proj, order[:, :, None], axis=0)
        elif reverse:
            proj = proj[::-1]
        mask = None if self.lengths is None else (np.arange(self.seq_length)[:, None] < self.lengths)[:, :, None]
        y = np.zeros((self.seq_length, self.batch, self.hidden), self.work) if want_y else None
        steps = self.seq_length if self.lengths is None else int(self.lengths.max(initial=0))
        for t in range(steps):
            new = cell(proj[t], states)
            if mask is not None:
                new = tuple(np.where(mask[t], n, s) for n, s in zip(new, states))
                if want_y:
                    y[t] = np.where(mask[t], new[0], 0)
            elif want_y:
                y[t] = new[0]
            states = new
        if self.lengths is not None and not self.lengths.all():
            # onnxruntime reports zero final states for an entry of length 0, not its initial ones.
            states = tuple(np.where(self.lengths[:, None] > 0, s, 0).astype(self.work, copy=False) for s in states)
        if want_y and order is not None:
            # The order is its own inverse (a reversal within each entry's length).
            y = np.take_along_axis(y, order[:, :, None], axis=0)
        elif want_y and reverse:
            y = y[::-1]
        return y, states

    def outputs(self, ys: list, finals: list[tuple[np.ndarray, ...]], n_states: int, want: Sequence[bool]):
        """Y (T, D, B, H) and each final state (D, B, H), laid out and typed as the node says."""
        y = None
        if want[0]:
            y = np.stack(ys, axis=1)
            if self.layout:
                y = np.transpose(y, (2, 0, 1, 3))
            y = y.astype(self.dtype, copy=False)
        result = [y]
        for i in range(n_states):
            if i + 1 < len(want) and want[i + 1]:
                s = np.stack([f[i] for f in finals], axis=0)
                if self.layout:
                    s = np.swapaxes(s, 0, 1)
                result.append(np.ascontiguousarray(s).astype(self.dtype, copy=False))
            else:
                result.append(None)
        return result[0] if len(want) == 1 else tuple(result[: len(want)])


def input_projection(rec: Recurrence, w_d: np.ndarray, wb_d: np.ndarray | None) -> np.ndarray:
    """x @ W^T (+ Wb) for every step at once: (T, B, G)."""
    proj = rec.x @ w_d.astype(rec.work, copy=False).T
    if wb_d is not None:
        proj += wb_d
    return proj


def split_bias(op: str, b, num_directions: int, width: int, work: np.dtype):
    """B (D, 2*width) as (Wb, Rb), each (D, width); zeros when absent."""
    if b is None:
        z = np.zeros((num_directions, width), work)
        return z, z
    if b.shape != (num_directions, 2 * width):
        raise ValueError(f"{op}: B must have shape {(num_directions, 2 * width)}, got {b.shape}")
    b = b.astype(work, copy=False)
    return b[:, :width], b[:, width:]
