"""HannWindow: 0.5 - 0.5 cos(2 pi n / N)."""

from __future__ import annotations

from refrt.registry import kernel

from ._signal_util import window


@kernel("HannWindow", since=17)
def hann_window(size, *, output_datatype=1, periodic=1):
    return window(size, periodic, output_datatype, (0.5, 0.5), "HannWindow")
