"""Compiled time-step loops of the recurrent kernels (LSTM, PackedLSTM, GRU, RNN), float32.

Per step the recurrent product ``h @ R^T`` goes to NumPy's BLAS (``np.matmul`` into a buffer; numba's
own ``np.dot`` would bring SciPy's BLAS, whose thread pool fights NumPy's for the cores: measured 3x
slower at batch 32), except for the LSTM at batch 1, where a compiled row product (``row_matmul``) is as
fast as one-thread BLAS and spares the wake-up and join of BLAS's threads on every step (bench ``lstm`` at
default threads: 7.3 -> 5.8 ms; results agree with BLAS's to float32 rounding, as the tests check), then one compiled call does all of the step's elementwise work (bias/projection add, the gate activations, the state update, the Y row).
The input projection ``x @ W^T`` for all steps stays a NumPy matmul in the caller. So a step costs
one gemm plus one pass over the gates, instead of the NumPy kernels' dozen array operations and
their temporaries.

GRU and RNN use the C library's tanh (``tanh32``): with the approximation below one GRU output of the
ONNX suite (test_gru_seq_length) came out 1.2e-7 from the expected value, past the suite's atol 1e-7. The
LSTM gates use the approximation (``tanh32_approx``; the whole suite passes with it, and onnxruntime's
LSTM approximates tanh too): with libm's scalar tanhf the compiled LSTM lost to the NumPy kernel (batch
32: 138 against 86 ms). The approximation (Eigen's/MLAS's kind: a 13/6 polynomial ratio on [-7.9, 7.9], then
+-1), written as plain arithmetic so LLVM vectorizes the gate loop (libm's tanhf is a scalar call,
about 25 ns: slower than NumPy's; this is 0.6 ns/element against NumPy's 3). It is within 5 float32
ulp of NumPy's tanh (measured on 41,000 normal values * 3), so the results agree with the NumPy
kernel to float32 rounding (the tests use rtol 1e-5), not bit for bit; onnxruntime's own LSTM uses
such an approximation too. The sigmoid is computed as the NumPy fast path does: 0.5 tanh(x/2) + 0.5.
float64 is not compiled here (the approximation is float32-accurate): it goes to the NumPy kernel.

``error_model="numpy"``: a float division never raises, which is what lets LLVM vectorize the loops.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from refrt import registry

# The NumPy kernels this package delegates to must register under the CPU provider: discover their
# package now (the registry's lock is reentrant), before an op module here imports one of them while
# the Numba package is being discovered (which would file it under NumbaExecutionProvider).
registry.discover("refrt.kernels.numpy", "CPUExecutionProvider")

from refrt.kernels.numpy._rnn_util import Recurrence, num_directions_of  # noqa: E402

rnn_njit = numba.njit(cache=True, nogil=True, error_model="numpy")

_HI = np.float32(7.90531110763549805)
_P = tuple(np.float32(c) for c in (-2.76076847742355e-16, 2.00018790482477e-13, -8.60467152213735e-11,
                                   5.12229709037114e-08, 1.48572235717979e-05, 6.37261928875436e-04,
                                   4.89352455891786e-03))
_Q = tuple(np.float32(c) for c in (1.19825839466702e-06, 1.18534705686654e-04, 2.26843463243900e-03,
                                   4.89352518554385e-03))
P0, P1, P2, P3, P4, P5, P6 = _P
Q0, Q1, Q2, Q3 = _Q
HALF = np.float32(0.5)
ONE = np.float32(1.0)


@rnn_njit
def tanh32(v):
    """tanh of a float32 by the C library (exact to an ulp, as NumPy's). The faster rational
    approximation below was within 5 ulp, which the ONNX suite's atol 1e-7 catches in GRU outputs
    near zero (test_gru_seq_length): correctness first."""
    return np.float32(math.tanh(v))


@rnn_njit
def tanh32_approx(v):
    """tanh of a float32, within a few ulp (see the module docstring); NaN stays NaN."""
    v = _HI if v > _HI else v
    v = -_HI if v < -_HI else v
    x2 = v * v
    p = P0
    p = p * x2 + P1
    p = p * x2 + P2
    p = p * x2 + P3
    p = p * x2 + P4
    p = p * x2 + P5
    p = p * x2 + P6
    p = p * v
    q = Q0
    q = q * x2 + Q1
    q = q * x2 + Q2
    q = q * x2 + Q3
    return p / q


@rnn_njit
def sigmoid32(v):
    return HALF * tanh32(HALF * v) + HALF


@rnn_njit
def sigmoid32_approx(v):
    return HALF * tanh32_approx(HALF * v) + HALF


@rnn_njit
def lstm_gates(gates, proj, t, h, c, y, want_y):
    """One step of the default LSTM cell after the recurrent product: ``gates`` (B, 4H) = h @ R^T,
    ``proj[t]`` (B, 4H) = x_t W^T + Wb + Rb, gates i, o, f, c; updates h and c (B, H) in place and
    writes y[t] when want_y (op_lstm._standard_run's formulas, in float32)."""
    batch, width = gates.shape
    hidden = width // 4
    for b in range(batch):
        g = gates[b]
        p = proj[t, b]
        hb = h[b]
        cb = c[b]
        for j in range(hidden):
            gi = sigmoid32_approx(g[j] + p[j])
            go = sigmoid32_approx(g[hidden + j] + p[hidden + j])
            gf = sigmoid32_approx(g[2 * hidden + j] + p[2 * hidden + j])
            gc = tanh32_approx(g[3 * hidden + j] + p[3 * hidden + j])
            cn = gf * cb[j] + gc * gi
            cb[j] = cn
            hb[j] = tanh32_approx(cn) * go
        if want_y:
            y[t, b, :] = hb


@rnn_njit
def row_matmul(h, r_t, out):
    """out = h @ r_t for a few rows of h (B small), k-outer so each pass over a row of r_t is contiguous
    and vectorized. Same speed as one-thread BLAS on (1, 256) @ (256, 1024) (21.6 us), but with no
    BLAS threads to wake and join on every step (two-thread BLAS made the batch-1 LSTM slower)."""
    n = r_t.shape[1]
    for b in range(h.shape[0]):
        o = out[b]
        for j in range(n):
            o[j] = 0
        for k in range(h.shape[1]):
            hv = h[b, k]
            row = r_t[k]
            for j in range(n):
                o[j] += hv * row[j]


SMALL_BATCH = 1  # rows of h up to which the step's product runs in row_matmul instead of BLAS


def lstm_steps(proj, r_t, h, c, reverse: bool, y, want_y: bool):
    """The default LSTM cell over all steps of one direction: per step NumPy's BLAS for h @ R^T
    (numba's np.dot would bring SciPy's BLAS and its thread pool, which fights NumPy's for the
    cores: measured 3x slower at batch 32), then ``lstm_gates``. proj (T, B, 4H) in time order,
    r_t (H, 4H), h and c (B, H) the initial states, updated in place to the final ones."""
    steps = proj.shape[0]
    gates = np.empty((h.shape[0], r_t.shape[1]), dtype=proj.dtype)
    small = h.shape[0] <= SMALL_BATCH
    for k in range(steps):
        t = steps - 1 - k if reverse else k
        if small:
            row_matmul(h, r_t, gates)
        else:
            np.matmul(h, r_t, out=gates)
        lstm_gates(gates, proj, t, h, c, y, want_y)
    return h, c


@rnn_njit
def gru_zr(zr, proj, t, rb_zr):
    """z and r of one GRU step: zr (B, 2H) = h @ R_zr^T on entry, sigmoid(proj + zr + Rb_zr) on exit."""
    batch, width = zr.shape
    for b in range(batch):
        p = proj[t, b]
        for j in range(width):
            zr[b, j] = sigmoid32((p[j] + zr[b, j]) + rb_zr[j])


@rnn_njit
def gru_reset_h(zr, h, out):
    """r * h (B, H), the input of the candidate's product when linear_before_reset is 0."""
    batch, hidden = h.shape
    for b in range(batch):
        for j in range(hidden):
            out[b, j] = zr[b, hidden + j] * h[b, j]


@rnn_njit
def gru_update(zr, hh, proj, t, rb_h, h, linear_before_reset, y, want_y):
    """The candidate and the new state of one GRU step (op_gru's cell); hh is (r*h) @ Rh^T, or
    h @ Rh^T with linear_before_reset."""
    batch, hidden = h.shape
    for b in range(batch):
        p = proj[t, b]
        for j in range(hidden):
            if linear_before_reset:
                cand = tanh32(p[2 * hidden + j] + zr[b, hidden + j] * (hh[b, j] + rb_h[j]))
            else:
                cand = tanh32((p[2 * hidden + j] + hh[b, j]) + rb_h[j])
            z = zr[b, j]
            h[b, j] = (ONE - z) * cand + z * h[b, j]
        if want_y:
            y[t, b, :] = h[b]


def gru_steps(proj, r_zr, r_h, rb_zr, rb_h, h, reverse: bool, linear_before_reset: bool, y, want_y: bool):
    """The default GRU cell (Sigmoid, Tanh) over all steps of one direction: the products on NumPy's
    BLAS, the rest compiled. proj (T, B, 3H) = x W^T + Wb in time order (gates z, r, h); r_zr
    (H, 2H), r_h (H, H) the transposed recurrent weights; h (B, H) updated in place."""
    steps = proj.shape[0]
    batch, hidden = h.shape
    zr = np.empty((batch, 2 * hidden), dtype=proj.dtype)
    hh = np.empty((batch, hidden), dtype=proj.dtype)
    rh = np.empty((batch, hidden), dtype=proj.dtype)
    for k in range(steps):
        t = steps - 1 - k if reverse else k
        np.matmul(h, r_zr, out=zr)
        gru_zr(zr, proj, t, rb_zr)
        if linear_before_reset:
            np.matmul(h, r_h, out=hh)
        else:
            gru_reset_h(zr, h, rh)
            np.matmul(rh, r_h, out=hh)
        gru_update(zr, hh, proj, t, rb_h, h, linear_before_reset, y, want_y)
    return h


@rnn_njit
def rnn_update(hh, proj, t, h, y, want_y):
    batch, hidden = h.shape
    for b in range(batch):
        p = proj[t, b]
        for j in range(hidden):
            h[b, j] = tanh32(p[j] + hh[b, j])
        if want_y:
            y[t, b, :] = h[b]


def rnn_steps(proj, r_t, h, reverse: bool, y, want_y: bool):
    """The default RNN cell (Tanh) over all steps: H_t = tanh(proj_t + H_{t-1} R^T), h in place."""
    steps = proj.shape[0]
    hh = np.empty(h.shape, dtype=proj.dtype)
    for k in range(steps):
        t = steps - 1 - k if reverse else k
        np.matmul(h, r_t, out=hh)
        rnn_update(hh, proj, t, h, y, want_y)
    return h


def outputs_buffer(steps: int, batch: int, hidden: int, want_y: bool):
    return np.empty((steps if want_y else 0, batch, hidden), np.float32)


def recurrence(op: str, x, w, r, direction: str, hidden_size, layout: int, gates: int):
    """(number of directions, ``Recurrence``) of an LSTM/GRU/RNN node's X, W and R, read and checked as
    the NumPy kernel reads them (no sequence_lens: the compiled cells do not take it)."""
    nd = num_directions_of(op, direction)
    rec = Recurrence(op, x, w, r, None, layout, gates, hidden_size)
    if rec.num_directions != nd:
        raise ValueError(f"{op}: direction={direction!r} needs {nd} direction(s) in W, got {rec.num_directions}")
    return nd, rec
