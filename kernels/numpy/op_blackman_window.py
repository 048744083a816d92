"""BlackmanWindow: 0.42 - 0.5 cos(2 pi n / N) + 0.08 cos(4 pi n / N)."""

from __future__ import annotations

from refrt.registry import kernel

from ._signal_util import window


@kernel("BlackmanWindow", since=17)
def blackman_window(size, *, output_datatype=1, periodic=1):
    return window(size, periodic, output_datatype, (0.42, 0.5, 0.08), "BlackmanWindow")
