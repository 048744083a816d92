"""Scan: run a body once per slice of the scan inputs, carrying state values between iterations
and stacking the per-iteration scan outputs."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._control_flow_util import empty_scan_output, stack_outputs
from ._tensor_util import normalize_axis


def _split_inputs(args, num_scan_inputs, _num_outputs):
    if num_scan_inputs is None or not 0 < num_scan_inputs <= len(args):
        raise ValueError(f"Scan: num_scan_inputs={num_scan_inputs} must be in [1, {len(args)}] (the number of inputs)")
    n_state = len(args) - num_scan_inputs
    n_scan_out = _num_outputs - n_state
    if n_scan_out < 0:
        raise ValueError(f"Scan has {n_state} state inputs but declares only {_num_outputs} outputs")
    for i, x in enumerate(args[n_state:]):
        if not isinstance(x, np.ndarray):
            raise ValueError(f"Scan input {n_state + i} must be a tensor")
    return list(args[:n_state]), list(args[n_state:]), n_scan_out


def _per_input(values, n: int, default: int, what: str) -> list[int]:
    if values is None:
        return [default] * n
    if len(values) != n:
        raise ValueError(f"Scan: {what} has {len(values)} entries, expected {n}")
    return [int(v) for v in values]


def _directions(values, n: int, what: str) -> list[int]:
    out = _per_input(values, n, 0, what)
    if any(d not in (0, 1) for d in out):
        raise ValueError(f"Scan: {what} {out} must hold 0 (forward) or 1 (reverse)")
    return out


def _run_body(body, states, slices, n_scan_out):
    outputs = body(*states, *slices)
    if len(outputs) != len(states) + n_scan_out:
        raise ValueError(
            f"Scan body returned {len(outputs)} values; expected {len(states)} states and {n_scan_out} scan outputs"
        )
    return list(outputs[: len(states)]), outputs[len(states) :]


# Revisions 11 to 25 allow negative axes and widen the types; 9's axes are a subset of 11's.
@kernel("Scan", since=9)
def scan(
    *args,
    body,
    num_scan_inputs=None,
    scan_input_axes=None,
    scan_input_directions=None,
    scan_output_axes=None,
    scan_output_directions=None,
    _num_outputs,
):
    states, inputs, n_scan_out = _split_inputs(args, num_scan_inputs, _num_outputs)
    in_axes = _per_input(scan_input_axes, len(inputs), 0, "scan_input_axes")
    in_dirs = _directions(scan_input_directions, len(inputs), "scan_input_directions")
    out_axes = _per_input(scan_output_axes, n_scan_out, 0, "scan_output_axes")
    out_dirs = _directions(scan_output_directions, n_scan_out, "scan_output_directions")
    # Each scan input viewed with its scan axis first (and reversed where it is scanned backwards).
    views = []
    for j, (x, axis, reverse) in enumerate(zip(inputs, in_axes, in_dirs)):
        v = np.moveaxis(x, normalize_axis(axis, x.ndim, f"Scan scan_input_axes[{j}]"), 0)
        views.append(v[::-1] if reverse else v)
    length = views[0].shape[0]
    if any(v.shape[0] != length for v in views):
        raise ValueError(
            f"Scan inputs differ in length along their scan axes: {[v.shape[0] for v in views]}"
        )
    collected: list[list] = [[] for _ in range(n_scan_out)]
    for t in range(length):
        states, outs = _run_body(body, states, [v[t] for v in views], n_scan_out)
        for acc, value in zip(collected, outs):
            acc.append(value)
    results = list(states)
    for k, (acc, axis, reverse) in enumerate(zip(collected, out_axes, out_dirs)):
        if not acc:
            results.append(empty_scan_output(body, len(states) + k))
            axis = normalize_axis(axis, results[-1].ndim, f"Scan scan_output_axes[{k}]")
            results[-1] = np.moveaxis(results[-1], 0, axis)
            continue
        rank = np.ndim(acc[0]) + 1
        axis = normalize_axis(axis, rank, f"Scan scan_output_axes[{k}]")
        results.append(stack_outputs(acc[::-1] if reverse else acc, axis, f"Scan output {len(states) + k}"))
    return results[0] if _num_outputs == 1 else tuple(results)


@kernel("Scan", since=8, until=8)
def scan_8(sequence_lens=None, *args, body, num_scan_inputs=None, directions=None, _num_outputs):
    """Revision 8 has a batch axis 0 on every input and output and scans axis 1; each batch item
    runs its own sequence_lens[b] iterations, and its scan outputs are zero-padded to the longest."""
    states, inputs, n_scan_out = _split_inputs(args, num_scan_inputs, _num_outputs)
    dirs = _directions(directions, len(inputs), "directions")
    for i, x in enumerate([*states, *inputs]):
        if not isinstance(x, np.ndarray) or x.ndim < (1 if i < len(states) else 2):
            raise ValueError(f"Scan-8 input {i + 1} needs a batch axis (and a sequence axis for scan inputs)")
    batch = inputs[0].shape[0]
    max_len = inputs[0].shape[1]
    for x in [*states, *inputs]:
        if x.shape[0] != batch:
            raise ValueError(f"Scan-8 inputs differ in batch size: {[y.shape[0] for y in [*states, *inputs]]}")
    for x in inputs:
        if x.shape[1] != max_len:
            raise ValueError(f"Scan-8 scan inputs differ in sequence length: {[y.shape[1] for y in inputs]}")
    if sequence_lens is None:
        lens = [max_len] * batch
    else:
        lens = [int(v) for v in np.asarray(sequence_lens).reshape(-1)]
        if len(lens) != batch or any(not 0 <= n <= max_len for n in lens):
            raise ValueError(f"Scan-8 sequence_lens {lens} must hold {batch} values in [0, {max_len}]")
    final_states: list[list] = [[] for _ in states]
    scanned: list[list] = [[] for _ in range(n_scan_out)]  # per output: one stacked array per batch item
    for b in range(batch):
        item_states = [s[b] for s in states]
        n = lens[b]
        # A reversed input is read from its last valid element (sequence_lens[b] - 1) back to 0.
        views = [x[b, n - 1 :: -1] if reverse and n else x[b, :n] for x, reverse in zip(inputs, dirs)]
        collected: list[list] = [[] for _ in range(n_scan_out)]
        for t in range(n):
            item_states, outs = _run_body(body, item_states, [v[t] for v in views], n_scan_out)
            for acc, value in zip(collected, outs):
                acc.append(value)
        for acc, value in zip(final_states, item_states):
            acc.append(value)
        for k, acc in enumerate(collected):
            scanned[k].append(stack_outputs(acc, 0, f"Scan output {len(states) + k}") if acc else None)
    results = [
        stack_outputs(acc, 0, f"Scan state output {i}") if acc else s  # batch 0: nothing ran
        for i, (acc, s) in enumerate(zip(final_states, states))
    ]
    for k, items in enumerate(scanned):
        known = next((x for x in items if x is not None), None)
        if known is None:
            results.append(empty_scan_output(body, len(states) + k, (batch, max_len)))
            continue
        out = np.zeros((batch, max_len, *known.shape[1:]), dtype=known.dtype)
        for b, x in enumerate(items):
            if x is not None:
                if x.shape[1:] != known.shape[1:] or x.dtype != known.dtype:
                    raise ValueError(f"Scan output {len(states) + k} differs in shape or type across batch items")
                out[b, : x.shape[0]] = x
        results.append(out)
    return results[0] if _num_outputs == 1 else tuple(results)
