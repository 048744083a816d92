"""Progress on stderr for long work (hub downloads, DataFrame batches): tqdm when it is installed, else
one line redrawn at most ten times a second. ``bar(...)`` is a context manager with ``update(n)``."""

from __future__ import annotations

import sys
import time


class NoBar:
    """What ``bar`` returns when progress is off: every call does nothing."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass

    def update(self, n: int) -> None:
        pass


class PlainBar(NoBar):
    """``\\r``-redrawn progress on stderr; ``unit="B"`` counts bytes and shows megabytes."""

    def __init__(self, total: int | None, desc: str, unit: str) -> None:
        self.total, self.desc, self.unit, self.done, self.drawn = total, desc, unit, 0, 0.0

    def update(self, n: int) -> None:
        self.done += n
        if time.monotonic() - self.drawn >= 0.1:
            self._draw()

    def _draw(self) -> None:
        self.drawn = time.monotonic()
        if self.unit == "B":
            mb = self.done / 1e6
            line = f"{self.desc}: {mb:.1f} MB"
            if self.total:
                line = f"{self.desc}: {100 * self.done / self.total:3.0f}% {mb:.1f}/{self.total / 1e6:.1f} MB"
        else:
            line = f"{self.desc}: {self.done}/{self.total} {self.unit}"
            if self.total:
                line += f" ({100 * self.done / self.total:3.0f}%)"
        sys.stderr.write("\r" + line)
        sys.stderr.flush()

    def __exit__(self, *exc) -> None:
        self._draw()
        sys.stderr.write("\n")
        sys.stderr.flush()


def bar(total: int | None, desc: str, unit: str, enabled: bool = True):
    """A progress bar over ``total`` units (None: unknown), or a silent one when not ``enabled``."""
    if not enabled:
        return NoBar()
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return PlainBar(total, desc, unit)
    if unit == "B":
        return tqdm(total=total, desc=desc, unit="B", unit_scale=True, unit_divisor=1024, file=sys.stderr)
    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr)
