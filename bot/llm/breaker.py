"""A circuit breaker for the language model: stop waiting on an API that keeps failing.

When the API is down every question would first wait out the whole deadline and then get the
snippets answer anyway. After `failures` consecutive failures the breaker opens and kb answers
with snippets at once; after `cooldown` seconds one trial call is let through (half-open): success
closes the breaker, failure opens it for another cool-down. One breaker is shared by every caller
of the API (answers and the policy's LLM check), since they fail together.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Literal

import structlog

from bot import metrics

log = structlog.get_logger(__name__)

State = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    def __init__(self, failures: int = 3, cooldown: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.failures = failures
        self.cooldown = cooldown
        self.clock = clock
        self._lock = threading.Lock()
        self._consecutive = 0
        self._opened_at: float | None = None
        self._trial_running = False

    @property
    def state(self) -> State:
        with self._lock:
            return self._state()

    def _state(self) -> State:
        if self._opened_at is None:
            return "closed"
        return "half_open" if self.clock() - self._opened_at >= self.cooldown else "open"

    def allow(self) -> bool:
        """Whether a call may go out now; in half-open, only one trial at a time."""
        with self._lock:
            state = self._state()
            if state == "closed":
                return True
            if state == "half_open" and not self._trial_running:
                self._trial_running = True
                return True
            return False

    def succeeded(self) -> None:
        with self._lock:
            if self._opened_at is not None:
                log.info("llm.breaker_closed")
            self._consecutive, self._opened_at, self._trial_running = 0, None, False
            metrics.LLM_BREAKER_OPEN.set(0)

    def failed(self) -> None:
        with self._lock:
            self._consecutive += 1
            trial, self._trial_running = self._trial_running, False
            if trial or self._consecutive >= self.failures:
                if self._opened_at is None or trial:
                    log.warning("llm.breaker_opened", failures=self._consecutive, cooldown_s=self.cooldown)
                self._opened_at = self.clock()
                metrics.LLM_BREAKER_OPEN.set(1)
