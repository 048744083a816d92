"""GRU: update gate z, reset gate r, candidate h; H_t = (1 - z) h + z H_{t-1}.

With linear_before_reset the reset gate scales (H_{t-1} Rh^T + Rbh) instead of H_{t-1}.
"""

from __future__ import annotations

from refrt.registry import kernel

from ._rnn_util import Recurrence, activation_functions, clipper, input_projection, num_directions_of, split_bias


def _gru(x, w, r, b, sequence_lens, initial_h, *, activation_alpha, activation_beta, activations, clip,
         direction, hidden_size, layout, linear_before_reset, want):
    nd = num_directions_of("GRU", direction)
    rec = Recurrence("GRU", x, w, r, sequence_lens, layout, 3, hidden_size)
    if rec.num_directions != nd:
        raise ValueError(f"GRU: direction={direction!r} needs {nd} direction(s) in W, got {rec.num_directions}")
    funcs = activation_functions("GRU", activations, activation_alpha, activation_beta, ["Sigmoid", "Tanh"], nd)
    h = rec.hidden
    wb, rb = split_bias("GRU", b, nd, 3 * h, rec.work)
    h0 = rec.state(initial_h, "initial_h")
    clipped = clipper(clip)
    reverse_only = direction == "reverse"
    ys, finals = [], []
    for d in range(nd):
        f, g = funcs[d]
        rd = r[d].astype(rec.work, copy=False)
        r_zr, r_h = rd[: 2 * h].T, rd[2 * h :].T
        rb_zr, rb_h = rb[d][: 2 * h], rb[d][2 * h :]

        def cell(p, states, f=f, g=g, r_zr=r_zr, r_h=r_h, rb_zr=rb_zr, rb_h=rb_h):
            prev = states[0]
            zr = f(clipped(p[:, : 2 * h] + prev @ r_zr + rb_zr))
            z, reset = zr[:, :h], zr[:, h:]
            if linear_before_reset:
                cand = g(clipped(p[:, 2 * h :] + reset * (prev @ r_h + rb_h)))
            else:
                cand = g(clipped(p[:, 2 * h :] + (reset * prev) @ r_h + rb_h))
            return ((1 - z) * cand + z * prev,)

        y, states = rec.run(input_projection(rec, w[d], wb[d]), (h0[d],), cell,
                            reverse=reverse_only or d == 1, want_y=want[0])
        ys.append(y)
        finals.append(states)
    return rec.outputs(ys, finals, 1, want)


@kernel("GRU", since=1, until=2)
def gru_1(x, w, r, b=None, sequence_lens=None, initial_h=None, *, activation_alpha=None, activation_beta=None,
          activations=None, clip=None, direction="foward", hidden_size=None, output_sequence=0, _output_used):
    # output_sequence only said whether Y may be left out; a declared Y is always computed.
    return _gru(x, w, r, b, sequence_lens, initial_h, activation_alpha=activation_alpha,
                activation_beta=activation_beta, activations=activations, clip=clip, direction=direction,
                hidden_size=hidden_size, layout=0, linear_before_reset=0, want=_output_used)


@kernel("GRU", since=3, until=6)
def gru_3(x, w, r, b=None, sequence_lens=None, initial_h=None, *, activation_alpha=None, activation_beta=None,
          activations=None, clip=None, direction="forward", hidden_size=None, linear_before_reset=0,
          output_sequence=0, _output_used):
    return _gru(x, w, r, b, sequence_lens, initial_h, activation_alpha=activation_alpha,
                activation_beta=activation_beta, activations=activations, clip=clip, direction=direction,
                hidden_size=hidden_size, layout=0, linear_before_reset=linear_before_reset, want=_output_used)


@kernel("GRU", since=7, until=13)
def gru_7(x, w, r, b=None, sequence_lens=None, initial_h=None, *, activation_alpha=None, activation_beta=None,
          activations=None, clip=None, direction="forward", hidden_size=None, linear_before_reset=0,
          _output_used):
    return _gru(x, w, r, b, sequence_lens, initial_h, activation_alpha=activation_alpha,
                activation_beta=activation_beta, activations=activations, clip=clip, direction=direction,
                hidden_size=hidden_size, layout=0, linear_before_reset=linear_before_reset, want=_output_used)


@kernel("GRU", since=14)
def gru_14(x, w, r, b=None, sequence_lens=None, initial_h=None, *, activation_alpha=None, activation_beta=None,
           activations=None, clip=None, direction="forward", hidden_size=None, layout=0, linear_before_reset=0,
           _output_used):
    return _gru(x, w, r, b, sequence_lens, initial_h, activation_alpha=activation_alpha,
                activation_beta=activation_beta, activations=activations, clip=clip, direction=direction,
                hidden_size=hidden_size, layout=layout, linear_before_reset=linear_before_reset, want=_output_used)
