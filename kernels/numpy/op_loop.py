"""Loop: run a body while a trip count and a condition allow, carrying values between iterations
and stacking per-iteration scan outputs along a new axis 0."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._control_flow_util import body_input_rank, empty_scan_output, stack_outputs, truth
from ._tensor_util import scalar_of


# Revisions 11 to 25 only widen the types a loop-carried value may have (sequences from 13,
# optionals from 16, small floats later): one kernel serves them all.
@kernel("Loop", since=1)
def loop(max_trip_count=None, cond=None, *v_initial, body, _num_outputs):
    n_carried = len(v_initial)
    n_scan = _num_outputs - n_carried
    if n_scan < 0:
        raise ValueError(f"Loop has {n_carried} loop-carried inputs but declares only {_num_outputs} outputs")
    trips = None
    if max_trip_count is not None:
        trips = int(scalar_of(max_trip_count, "Loop trip count M"))
    # With no cond input the loop starts as if it were true; onnxruntime still stops once the body
    # returns false, so the body's condition is honoured either way.
    going = True if cond is None else truth(cond, "Loop cond")
    iter_shape = (1,) * body_input_rank(body, 0)
    cond_shape = (1,) * body_input_rank(body, 1)
    carried = list(v_initial)
    scans: list[list] = [[] for _ in range(n_scan)]
    i = 0
    while going and (trips is None or i < trips):
        outputs = body(np.full(iter_shape, i, dtype=np.int64), np.full(cond_shape, True), *carried)
        if len(outputs) != 1 + n_carried + n_scan:
            raise ValueError(
                f"Loop body returned {len(outputs)} values; expected 1 condition, {n_carried} loop-carried "
                f"values and {n_scan} scan outputs"
            )
        going = truth(outputs[0], "Loop body condition output")
        carried = list(outputs[1 : 1 + n_carried])
        for acc, value in zip(scans, outputs[1 + n_carried :]):
            acc.append(value)
        i += 1
    stacked = [
        stack_outputs(acc, 0, f"Loop scan output {k}") if acc else empty_scan_output(body, 1 + n_carried + k)
        for k, acc in enumerate(scans)
    ]
    results = carried + stacked
    return results[0] if _num_outputs == 1 else tuple(results)

