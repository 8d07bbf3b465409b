"""Per-user question limits: one person flooding the bot must not starve everyone else.

A token bucket per user: bursts of a few questions are fine, a sustained stream is not. The user
is told once per limited stretch (telling them on every message would be a flood of its own).
In memory on purpose: a limit that resets on restart is harmless.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    tell: bool = False
    """Limited, and the user has not been told yet in this stretch."""


@dataclass
class _Bucket:
    tokens: float
    updated: float
    told: bool = False


class UserRateLimiter:
    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.monotonic, max_users: int = 100_000) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self.max_users = max_users
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def check(self, user: str) -> Verdict:
        """Spend one question of `user`'s allowance (0 per minute: unlimited)."""
        if self.per_minute <= 0:
            return Verdict(True)
        now = self.clock()
        with self._lock:
            bucket = self._buckets.get(user)
            if bucket is None:
                if len(self._buckets) >= self.max_users:
                    self._buckets.clear()  # bounded memory; forgetting allowances is harmless
                bucket = self._buckets[user] = _Bucket(float(self.per_minute), now)
            bucket.tokens = min(float(self.per_minute), bucket.tokens + (now - bucket.updated) * self.per_minute / 60.0)
            bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                bucket.told = False
                return Verdict(True)
            tell = not bucket.told
            bucket.told = True
            return Verdict(False, tell)
