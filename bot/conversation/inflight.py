"""Work a surface has accepted and must finish before shutdown: answers being written, clicks, reports.

Slack acks an event before its listener runs and Teams answers its POST with 202 before the turn
runs, so on shutdown (and in tests) each surface waits for what it accepted through this one
counter instead of keeping its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from typing import Any

import structlog

log = structlog.get_logger(__name__)


class InFlight:
    def __init__(self, surface: str) -> None:
        self.surface = surface
        self._count = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._tasks: set[asyncio.Task] = set()

    def _begin(self) -> None:
        self._count += 1
        self._idle.clear()

    def _end(self, *_: Any) -> None:
        self._count -= 1
        if self._count == 0:
            self._idle.set()

    @asynccontextmanager
    async def tracked(self) -> AsyncIterator[None]:
        """Marks work that `drain` waits for."""
        self._begin()
        try:
            yield
        finally:
            self._end()

    def spawn(self, work: Awaitable[Any]) -> None:
        """Run `work` in the background, tracked; a failure is logged (the platform has its answer already)."""

        async def run() -> None:
            try:
                await work
            except Exception as error:
                log.error("chat.background_failed", surface=self.surface, error=str(error),
                          error_type=type(error).__name__)

        self._begin()  # counted from now, not from when the task first runs
        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)  # keep a reference: the loop holds tasks weakly
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(self._end)

    async def drain(self, timeout: float) -> bool:
        """Wait for the work in progress; True when none is left."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
            return True
        except asyncio.TimeoutError:
            return False
