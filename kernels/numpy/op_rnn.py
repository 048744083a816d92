"""RNN: H_t = f(X_t W^T + H_{t-1} R^T + Wb + Rb), one direction or both."""

from __future__ import annotations

from refrt.registry import kernel

from ._rnn_util import Recurrence, activation_functions, clipper, input_projection, num_directions_of, split_bias


def _rnn(x, w, r, b, sequence_lens, initial_h, *, activation_alpha, activation_beta, activations, clip,
         direction, hidden_size, layout, want):
    nd = num_directions_of("RNN", direction)
    rec = Recurrence("RNN", x, w, r, sequence_lens, layout, 1, hidden_size)
    if rec.num_directions != nd:
        raise ValueError(f"RNN: direction={direction!r} needs {nd} direction(s) in W, got {rec.num_directions}")
    funcs = activation_functions("RNN", activations, activation_alpha, activation_beta, ["Tanh"], nd)
    wb, rb = split_bias("RNN", b, nd, rec.hidden, rec.work)
    h0 = rec.state(initial_h, "initial_h")
    clipped = clipper(clip)
    ys, finals = [], []
    for d in range(nd):
        f = funcs[d][0]
        r_t = r[d].astype(rec.work, copy=False).T
        bias = wb[d] + rb[d]

        def cell(p, states, f=f, r_t=r_t):
            return (f(clipped(p + states[0] @ r_t)),)

        y, states = rec.run(input_projection(rec, w[d], bias), (h0[d],), cell,
                            reverse=direction == "reverse" or d == 1, want_y=want[0])
        ys.append(y)
        finals.append(states)
    return rec.outputs(ys, finals, 1, want)


@kernel("RNN", since=1, until=6)
def rnn_1(x, w, r, b=None, sequence_lens=None, initial_h=None, *, activation_alpha=None, activation_beta=None,
          activations=["Tanh", "Tanh"], clip=None, direction="forward", hidden_size=None, output_sequence=0,
          _output_used):
    # output_sequence only said whether Y may be left out; a declared Y is always computed.
    return _rnn(x, w, r, b, sequence_lens, initial_h, activation_alpha=activation_alpha,
                activation_beta=activation_beta, activations=activations, clip=clip, direction=direction,
                hidden_size=hidden_size, layout=0, want=_output_used)


@kernel("RNN", since=7, until=13)
def rnn_7(x, w, r, b=None, sequence_lens=None, initial_h=None, *, activation_alpha=None, activation_beta=None,
          activations=["Tanh", "Tanh"], clip=None, direction="forward", hidden_size=None, _output_used):
    return _rnn(x, w, r, b, sequence_lens, initial_h, activation_alpha=activation_alpha,
                activation_beta=activation_beta, activations=activations, clip=clip, direction=direction,
                hidden_size=hidden_size, layout=0, want=_output_used)


@kernel("RNN", since=14)
def rnn_14(x, w, r, b=None, sequence_lens=None, initial_h=None, *, activation_alpha=None, activation_beta=None,
           activations=["Tanh", "Tanh"], clip=None, direction="forward", hidden_size=None, layout=0, _output_used):
    return _rnn(x, w, r, b, sequence_lens, initial_h, activation_alpha=activation_alpha,
                activation_beta=activation_beta, activations=activations, clip=clip, direction=direction,
                hidden_size=hidden_size, layout=layout, want=_output_used)
