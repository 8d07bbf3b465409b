"""Retrying source API calls on rate limits and server errors, the same way for every source.

Confluence, Drive and Notion all answer 429 with a Retry-After header and occasionally fail with 5xx
under load; a nightly sync of thousands of pages meets both. Each client library raises its own
exception type, so a connector passes a small `classify` function that reads the status and the
Retry-After header off its library's error; the waiting policy itself lives only here. The
libraries' built-in retries are switched off by the connectors so two policies never stack.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import TypeVar

import structlog

log = structlog.get_logger(__name__)

T = TypeVar("T")

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class Failure:
    """What a library's exception says about a failed call: its HTTP status and Retry-After, if any."""

    status: int | None
    retry_after: str | None = None


Classify = Callable[[BaseException], Failure | None]
"""Returns None for errors that are not HTTP answers (programming errors are never retried)."""


@dataclass(frozen=True)
class RetryPolicy:
    """How long to keep trying. The defaults ride out a minute-long rate limit without hanging a sync."""

    attempts: int = 6
    base_delay: float = 1.0
    max_delay: float = 60.0
    sleep: Callable[[float], None] = time.sleep

    def delay(self, attempt: int, retry_after: str | None) -> float:
        """The server's Retry-After when it gives one (capped), else exponential back-off with jitter."""
        wait = parse_retry_after(retry_after)
        if wait is None:
            wait = self.base_delay * (2**attempt) * (0.5 + random.random() / 2)  # noqa: S311 - jitter, not crypto
        return max(0.0, min(wait, self.max_delay))


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if value is None or not str(value).strip():
        return None
    value = str(value).strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def call_with_retries(call: Callable[[], T], classify: Classify, *, what: str, policy: RetryPolicy | None = None) -> T:
    """Run `call`, retrying 429, 5xx and connection failures; the last error is raised unchanged."""
    policy = policy or RetryPolicy()
    for attempt in range(policy.attempts):
        try:
            return call()
        except Exception as error:  # noqa: BLE001 - classified below, re-raised when not retryable
            failure = classify(error)
            retryable = failure is not None and (failure.status is None or failure.status in RETRY_STATUSES)
            if not retryable or attempt == policy.attempts - 1:
                raise
            assert failure is not None
            wait = policy.delay(attempt, failure.retry_after)
            log.warning("source.retry", what=what, status=failure.status, attempt=attempt + 1, wait_s=round(wait, 2))
            policy.sleep(wait)
    raise AssertionError("unreachable: the loop returns or raises")
