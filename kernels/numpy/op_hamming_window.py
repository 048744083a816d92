"""HammingWindow: 25/46 - 21/46 cos(2 pi n / N)."""

from __future__ import annotations

from refrt.registry import kernel

from ._signal_util import window


@kernel("HammingWindow", since=17)
def hamming_window(size, *, output_datatype=1, periodic=1):
    return window(size, periodic, output_datatype, (25 / 46, 21 / 46), "HammingWindow")
