"""Values built once per key and shared across threads (compiled kernels, plans, loaded libraries)."""

from __future__ import annotations

import threading
from typing import Any, Callable, Hashable


class BuildOnce:
    """A thread-safe cache: ``get(key, build)`` returns the value built for ``key``, calling ``build()``
    at most once per key (readers never lock once a value is there). With ``limit``, values past that
    many keys are built and returned but not kept."""

    def __init__(self, limit: int | None = None) -> None:
        self._values: dict[Hashable, Any] = {}
        self._lock = threading.Lock()
        self._limit = limit

    def get(self, key: Hashable, build: Callable[[], Any]) -> Any:
        value = self._values.get(key)
        if value is None:
            with self._lock:
                value = self._values.get(key)
                if value is None:
                    value = build()
                    if self._limit is None or len(self._values) < self._limit:
                        self._values[key] = value
        return value
