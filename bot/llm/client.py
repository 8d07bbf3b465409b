"""The Anthropic Messages API, bounded: one deadline for everything, retries only where they help.

Someone is waiting in a chat thread, and kb always has an answer to give without the model (the
cited snippets), so a generation that is late is worth less than the fallback. Hence:

- one deadline (KB_LLM_TIMEOUT) covers connecting, retries, back-off and streaming; the call runs
  on its own thread and is abandoned at the deadline whatever the socket is doing;
- 429 (rate-limited) and 529 (overloaded) are retried with exponential back-off or the server's
  retry-after, but never past the deadline, and never once text has been shown to the user;
  other errors are not retried (a 500 or a bad key will not heal in the next second);
- a circuit breaker (`bot.llm.breaker`) skips the API entirely after repeated failures.

The SDK's own retries are off (max_retries=0) because they would sleep past the deadline.
Token usage and latency go to the log and to Prometheus (`bot.metrics`).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn

import structlog

from bot import metrics
from bot.llm.breaker import CircuitBreaker

log = structlog.get_logger(__name__)

RETRIED = {429: "rate_limited", 529: "overloaded"}
BACKOFF = 0.5
"""Seconds before the first retry when the server gives no retry-after; doubled each time."""

TextCallback = Callable[[str], None]
"""Receives the whole text generated so far, each time more arrives."""


class LLMUnavailable(Exception):
    """No usable generation: `reason` is breaker_open, timeout or failed (logged and counted)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


class _Cancelled(Exception):
    """The caller gave up at the deadline: stop reading the stream."""


@dataclass
class Generation:
    text: str
    input_tokens: int
    output_tokens: int
    seconds: float
    first_text_seconds: float | None = None
    stop_reason: str | None = None
    attempts: int = 1


class LLMClient:
    def __init__(self, api_key: str, model: str, *, base_url: str | None = None, deadline: float = 20.0,
                 retries: int = 2, max_tokens: int = 700, breaker: CircuitBreaker | None = None,
                 purpose: str = "answer", clock: Callable[[], float] = time.monotonic) -> None:
        import anthropic

        self.model = model
        self.deadline = deadline
        self.retries = retries
        self.max_tokens = max_tokens
        self.breaker = breaker or CircuitBreaker()
        self.purpose = purpose
        self.clock = clock
        self.client = anthropic.Anthropic(api_key=api_key, base_url=base_url, timeout=deadline, max_retries=0)

    @property
    def available(self) -> bool:
        """False while the breaker is open: a call now would be refused at once."""
        return self.breaker.state != "open"

    def generate(self, system: str, user: str, on_text: TextCallback | None = None) -> Generation:
        """The model's reply to `user`; streamed to `on_text` when given. Raises LLMUnavailable.

        Without `on_text` it is one JSON request (the CLI, evaluation); with it, a server-sent
        event stream whose text deltas are passed on as they arrive.
        """
        if not self.breaker.allow():
            metrics.LLM_FALLBACKS.labels("breaker_open").inc()
            raise LLMUnavailable("breaker_open")
        cancelled = threading.Event()
        outcome: dict[str, Any] = {}
        done = threading.Event()

        def run() -> None:
            try:
                outcome["generation"] = self._attempts(system, user, on_text, cancelled)
            except BaseException as error:  # handed to the waiting caller, which decides
                outcome["error"] = error
            finally:
                done.set()

        threading.Thread(target=run, name=f"kb-llm-{self.purpose}", daemon=True).start()
        if not done.wait(self.deadline):
            cancelled.set()  # the thread ends at its own socket timeout; nothing it produces is used
            self._failed("timeout", f"no complete answer within {self.deadline:g}s")
        if "error" in outcome:
            error = outcome["error"]
            reason = "timeout" if type(error).__name__ in ("APITimeoutError", "TimeoutError") else "failed"
            self._failed(reason, f"{type(error).__name__}: {getattr(error, 'status_code', '')}".rstrip(": "),
                                error)
        self.breaker.succeeded()
        generation: Generation = outcome["generation"]
        self._record(generation)
        return generation

    def _failed(self, reason: str, detail: str, error: BaseException | None = None) -> NoReturn:
        self.breaker.failed()
        metrics.LLM_REQUESTS.labels(self.purpose, reason if reason == "timeout" else "error").inc()
        log.warning("llm.unavailable", purpose=self.purpose, reason=reason, detail=detail, model=self.model)
        raise LLMUnavailable(reason, detail) from error

    def _attempts(self, system: str, user: str, on_text: TextCallback | None, cancelled: threading.Event) -> Generation:
        import anthropic

        started = self.clock()
        shown = False

        def relay(text: str) -> None:
            nonlocal shown
            if cancelled.is_set():
                raise _Cancelled()
            shown = True
            assert on_text is not None
            on_text(text)

        for attempt in range(self.retries + 1):
            try:
                generation = self._once(system, user, relay if on_text else None, started + self.deadline - self.clock())
                generation.attempts = attempt + 1
                generation.seconds = self.clock() - started
                return generation
            except anthropic.APIStatusError as error:
                kind = RETRIED.get(error.status_code)
                if kind is None or shown or attempt == self.retries:
                    raise
                wait = retry_after(error.response.headers)
                if wait is None:
                    wait = BACKOFF * 2**attempt * (0.75 + random.random() / 4)
                if self.clock() + wait >= started + self.deadline:
                    raise
                metrics.LLM_REQUESTS.labels(self.purpose, kind).inc()
                log.info("llm.retrying", purpose=self.purpose, status=error.status_code, wait_s=round(wait, 2),
                         attempt=attempt + 1)
                time.sleep(wait)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _once(self, system: str, user: str, on_text: TextCallback | None, timeout: float) -> Generation:
        request: dict[str, Any] = {"model": self.model, "max_tokens": self.max_tokens, "system": system,
                                   "messages": [{"role": "user", "content": user}], "timeout": max(timeout, 0.01)}
        if on_text is None:
            message = self.client.messages.create(**request)
            first = None
        else:
            started, first, parts = self.clock(), None, []
            with self.client.messages.stream(**request) as stream:
                for delta in stream.text_stream:
                    if first is None:
                        first = self.clock() - started
                    parts.append(delta)
                    on_text("".join(parts))
                message = stream.get_final_message()
        text = "".join(block.text for block in message.content if getattr(block, "type", "") == "text")
        usage = message.usage
        return Generation(text, usage.input_tokens or 0, usage.output_tokens or 0, 0.0, first, message.stop_reason)

    def _record(self, generation: Generation) -> None:
        metrics.LLM_REQUESTS.labels(self.purpose, "ok").inc()
        metrics.LLM_TOKENS.labels("input").inc(generation.input_tokens)
        metrics.LLM_TOKENS.labels("output").inc(generation.output_tokens)
        if self.purpose == "answer":
            metrics.LLM_LATENCY.observe(generation.seconds)
            if generation.first_text_seconds is not None:
                metrics.LLM_FIRST_TEXT.observe(generation.first_text_seconds)
        log.info("llm.generated", purpose=self.purpose, model=self.model, input_tokens=generation.input_tokens,
                 output_tokens=generation.output_tokens, seconds=round(generation.seconds, 3),
                 first_text_s=None if generation.first_text_seconds is None else round(generation.first_text_seconds, 3),
                 stop_reason=generation.stop_reason, attempts=generation.attempts)


def retry_after(headers: Any) -> float | None:
    """The server's requested wait (retry-after-ms or retry-after seconds), when it gave one."""
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name) if headers is not None else None
        try:
            if value is not None and float(value) >= 0:
                return float(value) * scale
        except ValueError:
            continue
    return None
