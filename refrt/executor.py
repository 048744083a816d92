"""Runs a plan: a flat loop over prebuilt steps, values in a list indexed by slot.

All per-run state lives in ``env``, a list local to the call, so one session can run from many
threads at once. No name lookups, attribute parsing or schema queries happen here.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from refrt.errors import Fail, OrtError
from refrt.plan import Plan, Step


def run_plan(plan: Plan, env: list[Any], profile: list | None = None) -> list[Any]:
    """Execute ``plan`` over ``env`` (template + feeds) and return the requested values."""
    if len(env) < plan.n_slots:  # slots for device copies added after the template was taken
        env.extend([None] * (plan.n_slots - len(env)))
    if profile is not None:
        return _run_profiled(plan, env, profile)
    step = None
    try:
        for step in plan.steps:
            fn, inputs, outputs, frees, single = step[:5]
            if single:
                result = fn(*[env[i] for i in inputs])
                if result.__class__ is not np.ndarray:
                    result = _normalize(result)
                env[outputs[0]] = result
            else:
                results = fn(*[env[i] for i in inputs])
                for slot, result in zip(outputs, results):
                    env[slot] = result if result.__class__ is np.ndarray else _normalize(result)
            for i in frees:
                env[i] = None
    except Exception as e:  # noqa: BLE001 - every kernel failure is reported against its node
        raise _node_failure(step, e) from e
    return [env[i] for i in plan.output_slots]


def _normalize(value: Any) -> Any:
    """NumPy scalars (what reductions of 0-d arrays return) become 0-d arrays; others pass."""
    if isinstance(value, np.generic):
        return np.asarray(value)
    return value


def _node_failure(step: Step | None, error: Exception) -> Exception:
    if step is None or (isinstance(error, OrtError) and "while running" in error.message):
        return error
    node = step.node
    cause = error.message if isinstance(error, OrtError) else f"{type(error).__name__}: {error}"
    return Fail(
        f"Non-zero status code returned while running {node.op_type} node. Name:'{node.name}' "
        f"Status Message: {cause}"
    )


def _run_profiled(plan: Plan, env: list[Any], events: list) -> list[Any]:
    """The same loop, timing each node for the Chrome-trace profile."""
    step = None
    try:
        for step in plan.steps:
            fn, inputs, outputs, frees, single, node, provider = step
            start = time.perf_counter_ns()
            results = fn(*[env[i] for i in inputs])
            if single:
                results = (results,)
            for slot, result in zip(outputs, results):
                env[slot] = _normalize(result)
            end = time.perf_counter_ns()
            events.append((node, provider, start, end, [getattr(env[s], "shape", None) for s in outputs]))
            for i in frees:
                env[i] = None
    except Exception as e:  # noqa: BLE001
        raise _node_failure(step, e) from e
    return [env[i] for i in plan.output_slots]
