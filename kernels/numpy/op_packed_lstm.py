"""PackedLSTM (refrt domain): an LSTM whose constant weights were packed at session creation.

What pass prepack_weights (ORT_ENABLE_LAYOUT) makes of an LSTM with the default cell (Sigmoid, Tanh,
Tanh; no clip, peepholes, input_forget or sequence_lens) and constant W, R, B: the weights stored
in the layout the steps multiply, contiguous, so no step reads a transposed view, and the two bias
halves summed once. Inputs: X, W' (D, I, 4H) = W transposed, R' (D, H, 4H) = R transposed, bias
(D, 4H) = Wb + Rb, then initial_h and initial_c as LSTM has them; outputs Y, Y_h, Y_c as LSTM.
The cell is op_lstm's own, so the numbers are the unpacked node's.
"""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._rnn_util import Recurrence, num_directions_of
from .op_lstm import _standard_run


def read_inputs(x, w_t, r_t, bias, initial_h, initial_c, direction, hidden_size, layout):
    """The node's inputs checked: (number of directions, the ``Recurrence``, initial h and c)."""
    nd = num_directions_of("LSTM", direction)
    # Recurrence checks shapes against W (D, 4H, I) and R (D, 4H, H): the packed arrays' transposed views
    rec = Recurrence("LSTM", x, np.swapaxes(w_t, 1, 2), np.swapaxes(r_t, 1, 2), None, layout, 4, hidden_size)
    if rec.num_directions != nd or bias.shape != (nd, 4 * rec.hidden) or rec.work != w_t.dtype:
        raise ValueError(f"PackedLSTM: packed weights {w_t.shape}, {r_t.shape}, {bias.shape} do not fit "
                         f"X {x.shape} with direction={direction!r}")
    return nd, rec, rec.state(initial_h, "initial_h"), rec.state(initial_c, "initial_c")


@kernel("PackedLSTM", domain="refrt", since=1)
def packed_lstm(x, w_t, r_t, bias, initial_h=None, initial_c=None, *, direction="forward", hidden_size=None,
                layout=0, _output_used):
    nd, rec, h0, c0 = read_inputs(x, w_t, r_t, bias, initial_h, initial_c, direction, hidden_size, layout)
    ys, finals = [], []
    for d in range(nd):
        proj = rec.x @ w_t[d]
        proj += bias[d]
        y, states = _standard_run(proj, r_t[d], h0[d], c0[d], reverse=direction == "reverse" or d == 1,
                                  want_y=_output_used[0])
        ys.append(y)
        finals.append(states)
    return rec.outputs(ys, finals, 2, _output_used)
