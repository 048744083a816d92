"""PackedLSTM (refrt domain) on the Numba provider: the LSTM of the benchmarks (pass prepack_weights
turns an LSTM with the default cell and constant weights into this node).

Compiled (float32): all steps of a direction in one call of ``_rnn.lstm_steps``: per step one BLAS
gemm ``h @ R'`` and one vectorized loop for the gates and the state update; the input projection
``X @ W'`` for all steps is one NumPy matmul, as in the NumPy kernel. Delegated to the NumPy kernel:
float64 (and any non-float32 work type) inputs. The NumPy kernel's shape checks (its
``read_inputs``), the same outputs to float32 rounding (see ``_rnn`` on tanh).

Measured (bench ``lstm``: 2 layers, hidden 256, 64 steps; intra_op 1, a shared 2-core machine, best
of 2 s): batch 1 4.8 ms against the NumPy provider's 6.5 (onnxruntime 3.1-3.7); batch 32 57 ms
against 90 (onnxruntime 65). First call with a cold numba cache: +4 s (compile), warm cache 0.6 s.
"""

from __future__ import annotations

import numpy as np

from . import _rnn  # noqa: F401  (first: the NumPy kernels register under the CPU provider)
from refrt.kernels.numpy._rnn_util import Recurrence
from refrt.kernels.numpy.op_packed_lstm import packed_lstm as _numpy_packed_lstm, read_inputs
from refrt.registry import kernel

from ._rnn import lstm_steps, outputs_buffer


def run_lstm_directions(rec: Recurrence, proj_of, r_t_of, h0, c0, nd: int, direction: str, want):
    """Every direction of a default-cell LSTM: ``proj_of(d)`` the (T, B, 4H) projections with both
    biases, ``r_t_of(d)`` the (H, 4H) transposed recurrent weights."""
    ys, finals = [], []
    for d in range(nd):
        proj = np.ascontiguousarray(proj_of(d), dtype=np.float32)
        r_t = np.ascontiguousarray(r_t_of(d), dtype=np.float32)
        h = np.array(h0[d], dtype=np.float32, order="C")
        c = np.array(c0[d], dtype=np.float32, order="C")
        y = outputs_buffer(rec.seq_length, rec.batch, rec.hidden, bool(want[0]))
        lstm_steps(proj, r_t, h, c, direction == "reverse" or d == 1, y, bool(want[0]))
        ys.append(y if want[0] else None)
        finals.append((h, c))
    return rec.outputs(ys, finals, 2, want)


@kernel("PackedLSTM", domain="refrt", since=1)
def packed_lstm(x, w_t, r_t, bias, initial_h=None, initial_c=None, *, direction="forward", hidden_size=None,
                layout=0, _output_used):
    if x.dtype != np.float32 or w_t.dtype != np.float32:
        return _numpy_packed_lstm(x, w_t, r_t, bias, initial_h, initial_c, direction=direction,
                                  hidden_size=hidden_size, layout=layout, _output_used=_output_used)
    nd, rec, h0, c0 = read_inputs(x, w_t, r_t, bias, initial_h, initial_c, direction, hidden_size, layout)

    def proj_of(d):
        proj = rec.x @ w_t[d]
        proj += bias[d]
        return proj

    return run_lstm_directions(rec, proj_of, lambda d: r_t[d], h0, c0, nd, direction, _output_used)
