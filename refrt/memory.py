"""Guards against allocations that would exhaust the machine (fail fast instead of swapping)."""

from __future__ import annotations

import math
import os

import numpy as np

# Below this size an allocation is never checked: the check itself would cost more than it saves.
_CHECK_ABOVE_BYTES = 256 * 2**20


def _available_bytes() -> int:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 2**62


def check_allocation(shape, dtype, what: str = "output") -> None:
    """Raise MemoryError when an array of ``shape`` x ``dtype`` cannot fit in available memory."""
    dims = [int(d) for d in shape]
    if any(d < 0 for d in dims):
        raise ValueError(f"{what}: negative dimension in shape {dims}")
    nbytes = math.prod(dims) * np.dtype(dtype).itemsize
    if nbytes <= _CHECK_ABOVE_BYTES:
        return
    available = _available_bytes()
    if nbytes > available:
        raise MemoryError(
            f"{what} of shape {dims} and type {np.dtype(dtype).name} needs {nbytes:,} bytes, "
            f"more than the {available:,} bytes of memory available"
        )
