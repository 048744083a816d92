"""Intra-op parallelism for the kernels: split one node's work into contiguous chunks and run
them at once on a small shared thread pool (NumPy's loops and BLAS release the GIL).

How many threads a node may use is the calling thread's setting: InferenceSession.run sets it from
``SessionOptions.intra_op_num_threads`` (0, the default, means one per usable core, as onnxruntime's
default), so two sessions on two threads each keep their own. The pool is created on first use with
one worker fewer than the usable cores (the calling thread does a chunk itself) and is shared by
every session; a chunk never submits work of its own, so the pool cannot deadlock on itself.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

CORES = max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))
_local = threading.local()
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _forget_pool_in_child() -> None:
    """A forked child has none of the parent's pool threads: it makes its own pool when it needs one
    (without this, its first chunk would wait forever on a thread that does not exist)."""
    global _pool, _pool_lock
    _pool = None
    _pool_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool_in_child)


def set_threads(n: int) -> None:
    """Threads the kernels called from this thread may use (0 or less: one per usable core)."""
    _local.threads = n if n > 0 else CORES


def threads() -> int:
    return getattr(_local, "threads", CORES)


def _get_pool() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        with _pool_lock:
            if _pool is None:
                _pool = ThreadPoolExecutor(max_workers=max(1, CORES - 1), thread_name_prefix="refrt-intra-op")
    return _pool


def run_chunks(fn: Callable[[int, int], None], n: int, min_chunk: int) -> None:
    """``fn(start, stop)`` over ``range(n)`` in contiguous chunks of at least ``min_chunk``, as many at once as
    this thread's setting and the cores allow; returns when all are done (re-raising the first error)."""
    k = min(threads(), CORES, n // max(1, min_chunk))
    if k <= 1:
        fn(0, n)
        return
    bounds = [n * i // k for i in range(k + 1)]
    pool = _get_pool()
    futures = [pool.submit(fn, bounds[i], bounds[i + 1]) for i in range(1, k)]
    try:
        fn(bounds[0], bounds[1])
    finally:
        for f in futures:
            f.result()
