"""Directory reads kept for a TTL, one read per key at a time, and none after a failure until a retry is due.

Group memberships (Slack user groups, Azure AD groups) come from rate-limited APIs and a question must
not cost a call each time, yet a membership must never be older than the operator allowed. So a read
is used for `ttl` seconds from when it *started*; questions that arrive while a key is being read
wait for that one read (single flight) instead of starting their own.

A failed read grants nothing and drops every earlier read: the caller gets None, the rule of access
is "fewer principals, never more", and whoever gets None holds what they hold without the groups.
The reader says how long to wait before the next try (`ReadFailed.retry_in`: an API's Retry-After, or
a TTL when the API refused outright), and until then no read is made for any key: one failure costs
one call and one log line, not one per question.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass(frozen=True)
class Read(Generic[V]):
    value: V
    read_at: float
    """The clock when the read started: it is treated as no newer than that."""


@dataclass(frozen=True)
class ReadsHealth:
    """The part of a status report every reader shares: why the last read failed, if it did."""

    failure: str | None
    """The API's error code (or the exception's name) of the last read when it failed."""

    @property
    def ok(self) -> bool:
        return self.failure is None


class ReadFailed(Exception):
    """Raised by a reader that already logged why: `failure` is shown to operators, `retry_in` paces the next try."""

    def __init__(self, failure: str, retry_in: float) -> None:
        super().__init__(failure)
        self.failure = failure
        self.retry_in = retry_in


class CachedReads(Generic[K, V]):
    """Values read per key, each used for `ttl` seconds; concurrent askers of one key share one read."""

    def __init__(self, ttl: float, *, max_entries: int = 10_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self.clock = clock
        """Tests replace it to step past the TTL or a Retry-After without sleeping."""
        self.failure: str | None = None
        """Why the last read failed; None once one succeeds."""
        self._reads: dict[K, Read[V]] = {}
        self._in_flight: dict[K, asyncio.Future[None]] = {}
        self._next_try = float("-inf")

    async def get(self, key: K, read: Callable[[], Awaitable[V]]) -> Read[V] | None:
        """The read of `key` to use now, reading again when it expired and a try is due; None when there is none.

        `read` must raise `ReadFailed` for every failure (after logging it); anything else is a bug and propagates.
        """
        if (found := self.usable(key)) is not None:
            return found
        if self.clock() < self._next_try:
            return None
        flight = self._in_flight.get(key)
        if flight is None:
            flight = asyncio.ensure_future(self._refresh(key, read))
            self._in_flight[key] = flight
            flight.add_done_callback(lambda _: self._in_flight.pop(key, None))
        await asyncio.shield(flight)  # a question that gives up does not cancel the read others wait for
        return self.usable(key)

    def usable(self, key: K) -> Read[V] | None:
        found = self._reads.get(key)
        return found if found is not None and self.clock() < found.read_at + self.ttl else None

    def latest(self) -> Read[V] | None:
        """The newest read still held (expired or not), for status reports."""
        return max(self._reads.values(), key=lambda found: found.read_at, default=None)

    def __len__(self) -> int:
        return len(self._reads)

    def failed(self, failed: ReadFailed) -> None:
        """A read (or a check outside the cache) failed: nothing is granted from earlier reads, and no read until the retry is due."""
        self.failure = failed.failure
        self._reads.clear()
        self._next_try = self.clock() + failed.retry_in

    def succeeded(self) -> None:
        """The API answered again: reads may be made at once."""
        self.failure, self._next_try = None, float("-inf")

    async def _refresh(self, key: K, read: Callable[[], Awaitable[V]]) -> None:
        started = self.clock()
        try:
            value = await read()
        except ReadFailed as failed:
            self.failed(failed)
            return
        self.succeeded()
        self._reads.pop(key, None)
        while len(self._reads) >= self.max_entries:  # bounded memory: the oldest entry goes first
            self._reads.pop(next(iter(self._reads)))
        self._reads[key] = Read(value, started)
