"""GRU on the Numba provider: the default cell compiled, everything else the NumPy kernel's.

Compiled (float32 X, W, R, B): Sigmoid/Tanh, no clip, no sequence_lens, no activations attribute,
linear_before_reset 0 or 1, any direction (``_rnn.gru_steps``: per step the products on NumPy's BLAS,
the gates and the state update in compiled loops). Delegated to the NumPy kernel: every other case.
Revisions 1-2, 3-6, 7-13, 14 as the NumPy kernel registers them. Results agree with the NumPy
kernel to float32 rounding (its sigmoid is exp-based, this one 0.5 tanh(x/2) + 0.5; see ``_rnn``).
"""

from __future__ import annotations

import numpy as np

from . import _rnn  # noqa: F401  (first: the NumPy kernels register under the CPU provider)
from refrt.kernels.numpy import op_gru as _np
from refrt.kernels.numpy._rnn_util import input_projection, split_bias
from refrt.registry import kernel

from ._rnn import gru_steps, outputs_buffer, recurrence


def _compiled(x, w, r, b, sequence_lens, activations, clip) -> bool:
    return (clip is None and sequence_lens is None and not activations and x.dtype == np.float32
            and w.dtype == np.float32 and r.dtype == np.float32 and (b is None or b.dtype == np.float32))


def _gru(x, w, r, b, initial_h, *, direction, hidden_size, layout, linear_before_reset, want):
    nd, rec = recurrence("GRU", x, w, r, direction, hidden_size, layout, 3)
    h = rec.hidden
    wb, rb = split_bias("GRU", b, nd, 3 * h, rec.work)
    h0 = rec.state(initial_h, "initial_h")
    ys, finals = [], []
    for d in range(nd):
        rd = r[d]
        proj = np.ascontiguousarray(input_projection(rec, w[d], wb[d]))
        state = np.array(h0[d], dtype=np.float32, order="C")
        y = outputs_buffer(rec.seq_length, rec.batch, h, bool(want[0]))
        gru_steps(proj, np.ascontiguousarray(rd[: 2 * h].T), np.ascontiguousarray(rd[2 * h:].T),
                  np.ascontiguousarray(rb[d][: 2 * h]), np.ascontiguousarray(rb[d][2 * h:]), state,
                  direction == "reverse" or d == 1, bool(linear_before_reset), y, bool(want[0]))
        ys.append(y if want[0] else None)
        finals.append((state,))
    return rec.outputs(ys, finals, 1, want)


def _run(numpy_kernel, x, w, r, b, sequence_lens, initial_h, **attrs):
    """One revision's node: the compiled cell where it applies, else ``numpy_kernel`` (that revision's)
    with the same inputs and attributes (``layout`` is 0 before revision 14, ``linear_before_reset``
    before 3)."""
    if not _compiled(x, w, r, b, sequence_lens, attrs["activations"], attrs["clip"]):
        return numpy_kernel(x, w, r, b, sequence_lens, initial_h, **attrs)
    return _gru(x, w, r, b, initial_h, direction=attrs["direction"], hidden_size=attrs["hidden_size"],
                layout=attrs.get("layout", 0), linear_before_reset=attrs.get("linear_before_reset", 0),
                want=attrs["_output_used"])


@kernel("GRU", since=1, until=2)
def gru_1(x, w, r, b=None, sequence_lens=None, initial_h=None, *, activation_alpha=None, activation_beta=None,
          activations=None, clip=None, direction="foward", hidden_size=None, output_sequence=0, _output_used):
    return _run(_np.gru_1, **locals())


@kernel("GRU", since=3, until=6)
def gru_3(x, w, r, b=None, sequence_lens=None, initial_h=None, *, activation_alpha=None, activation_beta=None,
          activations=None, clip=None, direction="forward", hidden_size=None, linear_before_reset=0,
          output_sequence=0, _output_used):
    return _run(_np.gru_3, **locals())


@kernel("GRU", since=7, until=13)
def gru_7(x, w, r, b=None, sequence_lens=None, initial_h=None, *, activation_alpha=None, activation_beta=None,
          activations=None, clip=None, direction="forward", hidden_size=None, linear_before_reset=0,
          _output_used):
    return _run(_np.gru_7, **locals())


@kernel("GRU", since=14)
def gru_14(x, w, r, b=None, sequence_lens=None, initial_h=None, *, activation_alpha=None, activation_beta=None,
           activations=None, clip=None, direction="forward", hidden_size=None, layout=0, linear_before_reset=0,
           _output_used):
    return _run(_np.gru_14, **locals())
