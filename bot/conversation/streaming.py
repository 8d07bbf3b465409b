"""Showing an answer while it is written: partial text from the answer thread to a chat message.

The answer core runs in a worker thread and calls `on_text` with the text so far, often many
times a second; Slack and Teams rate-limit message edits (Slack's chat.update: about one a second
per message). `LiveAnswer` is that callback: it drops edits that come sooner than `every`
seconds after the last one it sent (the placeholder is a new message, not an edit), hands the rest to the event loop in order, and lets the
surface wait for them before the final edit, so a late partial can never overwrite the answer.
Each surface supplies only `show(text)`: post a placeholder the first time, edit it afterwards.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Future

import structlog

log = structlog.get_logger(__name__)

PLACEHOLDER = "Looking this up…"
"""Shown when the answer starts being written (`on_text("")`), before any text has arrived."""


class LiveAnswer:
    def __init__(self, loop: asyncio.AbstractEventLoop, show: Callable[[str], Awaitable[None]], every: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.loop = loop
        self.show = show
        self.every = every
        self.clock = clock
        self.sent = 0
        """Updates handed to `show` (the placeholder included)."""
        self._last: float | None = None
        self._closed = False
        self._lock = threading.Lock()
        self._pending: set[Future] = set()
        self._order = asyncio.Lock()

    def __call__(self, text: str) -> None:
        """From any thread: show `text` (the whole answer so far) unless an update went out too recently."""
        with self._lock:
            if self._closed:
                return
            if not text:  # the placeholder: posted once, and not an edit, so the first text follows at once
                if self.sent:
                    return
            else:
                now = self.clock()
                if self._last is not None and now - self._last < self.every:
                    return
                self._last = now
            self.sent += 1
            future = asyncio.run_coroutine_threadsafe(self._show(text or PLACEHOLDER), self.loop)
            self._pending.add(future)
            future.add_done_callback(self._pending.discard)

    async def _show(self, text: str) -> None:
        async with self._order:  # FIFO: updates reach the platform in the order they were written
            try:
                await self.show(text)
            except Exception as error:  # a lost preview is harmless; the final answer still comes
                log.warning("chat.live_update_failed", error_type=type(error).__name__)

    async def close(self) -> None:
        """Take no more updates and wait for those in flight: the final answer may be shown next."""
        with self._lock:
            self._closed = True
            pending = list(self._pending)
        if pending:
            await asyncio.gather(*(asyncio.wrap_future(future) for future in pending), return_exceptions=True)
