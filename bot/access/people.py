"""A small time-bounded cache for directory lookups (Slack `users.info`, the Teams roster).

Every question would otherwise cost an API call, and Slack rate-limits `users.info`; a person's
email or guest status rarely changes, and KB_DIRECTORY_TTL bounds how stale it may get (a user
removed from the workspace can no longer send events at all).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any


class TTLCache:
    def __init__(self, ttl: float, *, max_entries: int = 50_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self.clock = clock
        self._entries: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> Any | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or self.clock() >= entry[0]:
                self._entries.pop(key, None)
                return None
            return entry[1]

    def put(self, key: str, value: Any) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()  # bounded memory; a miss costs one lookup
            self._entries[key] = (self.clock() + self.ttl, value)
