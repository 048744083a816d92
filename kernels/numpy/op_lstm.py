"""LSTM: gates i, o, f (f = 1 - i with input_forget), cell candidate c, optional peepholes P (i, o, f).

C_t = f C_{t-1} + i c;  H_t = o h(C_t); the output gate's peephole sees the new C_t.
"""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._rnn_util import Recurrence, activation_functions, clipper, input_projection, num_directions_of, split_bias


def _lstm(x, w, r, b, sequence_lens, initial_h, initial_c, p, *, activation_alpha, activation_beta, activations,
          clip, direction, hidden_size, input_forget, layout, want):
    nd = num_directions_of("LSTM", direction)
    rec = Recurrence("LSTM", x, w, r, sequence_lens, layout, 4, hidden_size)
    if rec.num_directions != nd:
        raise ValueError(f"LSTM: direction={direction!r} needs {nd} direction(s) in W, got {rec.num_directions}")
    funcs = activation_functions("LSTM", activations, activation_alpha, activation_beta,
                                 ["Sigmoid", "Tanh", "Tanh"], nd)
    h = rec.hidden
    wb, rb = split_bias("LSTM", b, nd, 4 * h, rec.work)
    h0 = rec.state(initial_h, "initial_h")
    c0 = rec.state(initial_c, "initial_c")
    if p is not None:
        if p.shape != (nd, 3 * h):
            raise ValueError(f"LSTM: P must have shape {(nd, 3 * h)}, got {p.shape}")
        p = p.astype(rec.work, copy=False)
    clipped = clipper(clip)
    standard = (clip is None and p is None and not input_forget and rec.lengths is None
                and not activations and rec.work in (np.float32, np.float64))
    ys, finals = [], []
    for d in range(nd):
        f, g, hf = funcs[d]
        r_t = r[d].astype(rec.work, copy=False).T
        p_i, p_o, p_f = (None, None, None) if p is None else (p[d][:h], p[d][h : 2 * h], p[d][2 * h :])

        if standard:  # the default Sigmoid/Tanh/Tanh cell, every entry running every step
            proj = input_projection(rec, w[d], wb[d])
            proj += rb[d]
            y, states = _standard_run(proj, r_t, h0[d], c0[d], reverse=direction == "reverse" or d == 1,
                                      want_y=want[0])
            ys.append(y)
            finals.append(states)
            continue

        def cell(proj, states, f=f, g=g, hf=hf, r_t=r_t, p_i=p_i, p_o=p_o, p_f=p_f, rb_d=rb[d]):
            prev_h, prev_c = states
            gates = proj + prev_h @ r_t + rb_d
            gi, go, gf, gc = gates[:, :h], gates[:, h : 2 * h], gates[:, 2 * h : 3 * h], gates[:, 3 * h :]
            if p_i is not None:
                gi = gi + p_i * prev_c
                gf = gf + p_f * prev_c
            i = f(clipped(gi))
            forget = 1 - i if input_forget else f(clipped(gf))
            c = forget * prev_c + i * g(clipped(gc))
            if p_o is not None:
                go = go + p_o * c
            return f(clipped(go)) * hf(c), c

        y, states = rec.run(input_projection(rec, w[d], wb[d]), (h0[d], c0[d]), cell,
                            reverse=direction == "reverse" or d == 1, want_y=want[0])
        ys.append(y)
        finals.append(states)
    return rec.outputs(ys, finals, 2, want)


def _standard_run(proj, r_t, h, c, *, reverse: bool, want_y: bool):
    """The default cell over every step with few temporaries: the same formulas as ``cell``.

    Gates are laid out i, o, f, c, so the three sigmoid gates are one contiguous block; sigmoid is
    computed as 0.5 * tanh(0.5 * x) + 0.5 (the same function, never overflowing) on that block at once.
    """
    steps, _, gates_width = proj.shape
    hidden = gates_width // 4
    y = np.empty((steps, h.shape[0], hidden), proj.dtype) if want_y else None
    for t in (range(steps - 1, -1, -1) if reverse else range(steps)):
        gates = h @ r_t
        gates += proj[t]
        sig = gates[:, : 3 * hidden]
        sig *= 0.5
        np.tanh(sig, out=sig)
        sig *= 0.5
        sig += 0.5
        cand = gates[:, 3 * hidden:]
        np.tanh(cand, out=cand)
        cand *= gates[:, :hidden]  # i * g(c~)
        c = gates[:, 2 * hidden: 3 * hidden] * c  # f * C_{t-1}
        c += cand
        h = np.tanh(c)
        h *= gates[:, hidden: 2 * hidden]  # o * h(C_t)
        if want_y:
            y[t] = h
    return y, (h, c)


@kernel("LSTM", since=1, until=6)
def lstm_1(x, w, r, b=None, sequence_lens=None, initial_h=None, initial_c=None, p=None, *, activation_alpha=None,
           activation_beta=None, activations=None, clip=None, direction="forward", hidden_size=None,
           input_forget=0, output_sequence=0, _output_used):
    # output_sequence only said whether Y may be left out; a declared Y is always computed.
    return _lstm(x, w, r, b, sequence_lens, initial_h, initial_c, p, activation_alpha=activation_alpha,
                 activation_beta=activation_beta, activations=activations, clip=clip, direction=direction,
                 hidden_size=hidden_size, input_forget=input_forget, layout=0, want=_output_used)


@kernel("LSTM", since=7, until=13)
def lstm_7(x, w, r, b=None, sequence_lens=None, initial_h=None, initial_c=None, p=None, *, activation_alpha=None,
           activation_beta=None, activations=None, clip=None, direction="forward", hidden_size=None,
           input_forget=0, _output_used):
    return _lstm(x, w, r, b, sequence_lens, initial_h, initial_c, p, activation_alpha=activation_alpha,
                 activation_beta=activation_beta, activations=activations, clip=clip, direction=direction,
                 hidden_size=hidden_size, input_forget=input_forget, layout=0, want=_output_used)


@kernel("LSTM", since=14)
def lstm_14(x, w, r, b=None, sequence_lens=None, initial_h=None, initial_c=None, p=None, *, activation_alpha=None,
            activation_beta=None, activations=None, clip=None, direction="forward", hidden_size=None,
            input_forget=0, layout=0, _output_used):
    return _lstm(x, w, r, b, sequence_lens, initial_h, initial_c, p, activation_alpha=activation_alpha,
                 activation_beta=activation_beta, activations=activations, clip=clip, direction=direction,
                 hidden_size=hidden_size, input_forget=input_forget, layout=layout, want=_output_used)
