"""Size: the number of elements, as an int64 scalar."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel


@kernel("Size", since=1)
def size(data):
    return np.array(data.size, dtype=np.int64)
