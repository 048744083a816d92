"""LSTM on the Numba provider: the default cell compiled, everything else the NumPy kernel's.

Compiled (float32 X, W, R): the cell the NumPy kernel's fast path runs (Sigmoid/Tanh/Tanh, no clip,
no peepholes P, input_forget 0, no sequence_lens, no activations attribute), via the same loop as
PackedLSTM (``_rnn.lstm_steps``: one BLAS gemm per step plus one vectorized gate loop). Delegated
to the NumPy kernel: every other case (clip, P, input_forget, custom activations, sequence_lens,
float64 and other types). Revisions 1-6, 7-13 and 14 as the NumPy kernel registers them. Results
agree with the NumPy kernel to float32 rounding (see ``_rnn`` on tanh).
"""

from __future__ import annotations

import numpy as np

from . import _rnn  # noqa: F401  (first: the NumPy kernels register under the CPU provider)
from refrt.kernels.numpy import op_lstm as _np
from refrt.kernels.numpy._rnn_util import input_projection, split_bias
from refrt.registry import kernel

from ._rnn import recurrence
from .op_packed_lstm import run_lstm_directions


def _compiled(x, w, r, b, sequence_lens, initial_h, initial_c, p, activations, clip, input_forget) -> bool:
    return (clip is None and p is None and not input_forget and sequence_lens is None and not activations
            and x.dtype == np.float32 and w.dtype == np.float32 and r.dtype == np.float32
            and (b is None or b.dtype == np.float32))


def _lstm(x, w, r, b, initial_h, initial_c, *, direction, hidden_size, layout, want):
    nd, rec = recurrence("LSTM", x, w, r, direction, hidden_size, layout, 4)
    wb, rb = split_bias("LSTM", b, nd, 4 * rec.hidden, rec.work)
    h0 = rec.state(initial_h, "initial_h")
    c0 = rec.state(initial_c, "initial_c")

    def proj_of(d):
        proj = input_projection(rec, w[d], wb[d])
        proj += rb[d]
        return proj

    return run_lstm_directions(rec, proj_of, lambda d: r[d].T, h0, c0, nd, direction, want)


def _run(numpy_kernel, x, w, r, b, sequence_lens, initial_h, initial_c, p, **attrs):
    """One revision's node: the compiled cell where it applies, else ``numpy_kernel`` (that revision's)
    with the same inputs and attributes (``layout`` is 0 before revision 14)."""
    if not _compiled(x, w, r, b, sequence_lens, initial_h, initial_c, p, attrs["activations"], attrs["clip"],
                     attrs["input_forget"]):
        return numpy_kernel(x, w, r, b, sequence_lens, initial_h, initial_c, p, **attrs)
    return _lstm(x, w, r, b, initial_h, initial_c, direction=attrs["direction"], hidden_size=attrs["hidden_size"],
                 layout=attrs.get("layout", 0), want=attrs["_output_used"])


@kernel("LSTM", since=1, until=6)
def lstm_1(x, w, r, b=None, sequence_lens=None, initial_h=None, initial_c=None, p=None, *, activation_alpha=None,
           activation_beta=None, activations=None, clip=None, direction="forward", hidden_size=None,
           input_forget=0, output_sequence=0, _output_used):
    return _run(_np.lstm_1, **locals())


@kernel("LSTM", since=7, until=13)
def lstm_7(x, w, r, b=None, sequence_lens=None, initial_h=None, initial_c=None, p=None, *, activation_alpha=None,
           activation_beta=None, activations=None, clip=None, direction="forward", hidden_size=None,
           input_forget=0, _output_used):
    return _run(_np.lstm_7, **locals())


@kernel("LSTM", since=14)
def lstm_14(x, w, r, b=None, sequence_lens=None, initial_h=None, initial_c=None, p=None, *, activation_alpha=None,
            activation_beta=None, activations=None, clip=None, direction="forward", hidden_size=None,
            input_forget=0, layout=0, _output_used):
    return _run(_np.lstm_14, **locals())
