"""Shared compilation settings and the thread count of the Numba kernels.

``njit``: numba.njit with ``cache=True`` (compiled code is kept on disk, so a second process starts
without compiling), ``nogil=True`` (another session's thread may run meanwhile), ``error_model="numpy"``
(a float division by zero gives inf/NaN as in NumPy, and no zero check blocks vectorising) and no
fastmath (the NumPy kernels are the reference: the same IEEE operations in the same order where it
matters). Two things that keep LLVM from vectorising a loop (measured): indexing ``x[base + j]`` (the
negative-index check; index a row slice from 0 instead) and two array arguments sharing one buffer.
``parallel_njit`` adds ``parallel=True`` for kernels with ``prange`` loops; ``set_threads`` applies the
calling session's ``intra_op_num_threads`` (refrt/intra_op.py) to Numba's pool before such a call.
"""

from __future__ import annotations

import numba

from refrt import intra_op

njit = numba.njit(cache=True, nogil=True, error_model="numpy")


# Kernels are written with ``prange`` but compiled without ``parallel=True``: every Numba threading layer
# available here breaks a promise refrt makes. GNU OpenMP ("omp", the default) is not fork-safe: a process
# forked after a parallel kernel ran hangs in its first parallel region (the conformance runner's worker
# pool hung in CI); "workqueue" aborts the interpreter when two threads run parallel kernels at once
# (run() must be thread-safe); "tbb" is not installed. So prange runs as range, and a kernel's work is
# split across threads by refrt/intra_op's pool where that pays (nogil=True lets the chunks run at once).
PARALLEL = False


def parallel_njit(fn):
    return numba.njit(cache=True, nogil=True, error_model="numpy", parallel=PARALLEL)(fn)


# Work (elements touched, roughly) from which a parallel kernel uses more than one thread: launching
# Numba's pool cost 0.3-1.8 ms a call on this 2-core VM while the other core was busy (OpenMP's threads
# spin-wait, as OpenBLAS's do), so smaller calls run on the calling thread alone.
PARALLEL_MIN_WORK = 1 << 20


def set_threads(work: int = 0) -> None:
    """Numba's threads for the next parallel call from this thread: the session's setting for work of
    at least PARALLEL_MIN_WORK, else one (the prange loop then runs on the calling thread)."""
    if not PARALLEL:
        return  # numba.set_num_threads would start Numba's threading layer (OpenMP): see PARALLEL
    wanted = intra_op.threads() if work >= PARALLEL_MIN_WORK else 1
    numba.set_num_threads(max(1, min(wanted, numba.config.NUMBA_NUM_THREADS)))
