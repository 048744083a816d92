"""RNN on the Numba provider: the default cell (Tanh) compiled, everything else the NumPy kernel's.

Compiled (float32 X, W, R, B): Tanh (the default activations, or none given), no clip, no
sequence_lens, any direction (``_rnn.rnn_steps``: per step h @ R^T on NumPy's BLAS, then one
compiled loop). Delegated to the NumPy kernel: every other case. Revisions 1-6, 7-13, 14 as the
NumPy kernel registers them. Results agree with the NumPy kernel to float32 rounding (see ``_rnn``).
"""

from __future__ import annotations

import numpy as np

from . import _rnn  # noqa: F401  (first: the NumPy kernels register under the CPU provider)
from refrt.kernels.numpy import op_rnn as _np
from refrt.kernels.numpy._rnn_util import input_projection, split_bias
from refrt.registry import kernel

from ._rnn import outputs_buffer, recurrence, rnn_steps

_DEFAULT = ["Tanh", "Tanh"]


def _compiled(x, w, r, b, sequence_lens, activations, clip) -> bool:
    tanh_only = not activations or all(a.lower() == "tanh" for a in activations)
    return (clip is None and sequence_lens is None and tanh_only and x.dtype == np.float32
            and w.dtype == np.float32 and r.dtype == np.float32 and (b is None or b.dtype == np.float32))


def _rnn(x, w, r, b, initial_h, *, activations, direction, hidden_size, layout, want):
    nd, rec = recurrence("RNN", x, w, r, direction, hidden_size, layout, 1)
    # the activation list's length is checked as the NumPy kernel checks it
    from refrt.kernels.numpy._rnn_util import activation_functions
    activation_functions("RNN", activations, None, None, ["Tanh"], nd)
    wb, rb = split_bias("RNN", b, nd, rec.hidden, rec.work)
    h0 = rec.state(initial_h, "initial_h")
    ys, finals = [], []
    for d in range(nd):
        proj = np.ascontiguousarray(input_projection(rec, w[d], wb[d] + rb[d]))
        state = np.array(h0[d], dtype=np.float32, order="C")
        y = outputs_buffer(rec.seq_length, rec.batch, rec.hidden, bool(want[0]))
        rnn_steps(proj, np.ascontiguousarray(r[d].T), state, direction == "reverse" or d == 1, y, bool(want[0]))
        ys.append(y if want[0] else None)
        finals.append((state,))
    return rec.outputs(ys, finals, 1, want)


def _run(numpy_kernel, x, w, r, b, sequence_lens, initial_h, **attrs):
    """One revision's node: the compiled cell where it applies, else ``numpy_kernel`` (that revision's)
    with the same inputs and attributes (``layout`` is 0 before revision 14)."""
    if not _compiled(x, w, r, b, sequence_lens, attrs["activations"], attrs["clip"]):
        return numpy_kernel(x, w, r, b, sequence_lens, initial_h, **attrs)
    return _rnn(x, w, r, b, initial_h, activations=attrs["activations"], direction=attrs["direction"],
                hidden_size=attrs["hidden_size"], layout=attrs.get("layout", 0), want=attrs["_output_used"])


@kernel("RNN", since=1, until=6)
def rnn_1(x, w, r, b=None, sequence_lens=None, initial_h=None, *, activation_alpha=None, activation_beta=None,
          activations=_DEFAULT, clip=None, direction="forward", hidden_size=None, output_sequence=0,
          _output_used):
    return _run(_np.rnn_1, **locals())


@kernel("RNN", since=7, until=13)
def rnn_7(x, w, r, b=None, sequence_lens=None, initial_h=None, *, activation_alpha=None, activation_beta=None,
          activations=_DEFAULT, clip=None, direction="forward", hidden_size=None, _output_used):
    return _run(_np.rnn_7, **locals())


@kernel("RNN", since=14)
def rnn_14(x, w, r, b=None, sequence_lens=None, initial_h=None, *, activation_alpha=None, activation_beta=None,
           activations=_DEFAULT, clip=None, direction="forward", hidden_size=None, layout=0, _output_used):
    return _run(_np.rnn_14, **locals())
