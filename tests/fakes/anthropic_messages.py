"""A fake Anthropic Messages API (POST /v1/messages): JSON replies and SSE streams, scripted by tests.

It records each request (headers, body, arrival time) and answers either with the defaults
(`reply(question)`, `status`, `delay`) or, while `script` holds entries, with the next scripted
`Scripted` reply: a text (as JSON, or as a server-sent event stream when the request asks for
`stream`, one event per word with `token_delay` between them), an error status with optional
retry-after, a delay, a hang that outlasts the client's patience, or a stream that stalls after a
few words. The event sequence is the API's: message_start, content_block_start, ping,
content_block_delta (text_delta)…, content_block_stop, message_delta (stop_reason, usage),
message_stop. The anthropic SDK reaches it through ANTHROPIC_BASE_URL / base_url.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

HANG_LIMIT = 30.0
"""A hang ends after this long even if nobody calls `release()`, so a broken test cannot hang forever."""


@dataclass
class Scripted:
    text: str = ""
    status: int = 200
    delay: float = 0.0
    token_delay: float = 0.0
    hang: bool = False
    stall_after: int | None = None
    """Streams only: after this many words, send nothing more (the connection stays open)."""
    headers: dict[str, str] = field(default_factory=dict)
    stop_reason: str = "end_turn"


@dataclass
class FakeMessages:
    reply: Callable[[str], str] = lambda question: "none"
    delay: float = 0.0
    status: int = 200
    token_delay: float = 0.0
    script: list[Scripted] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    _released: threading.Event = field(default_factory=threading.Event)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v1/messages", self._messages)
        return app

    # -- test controls ---------------------------------------------------------------------------
    def then(self, *replies: Scripted | str) -> FakeMessages:
        """Queue replies for the next requests, in order; a string is a plain 200 text reply."""
        self.script.extend(Scripted(reply) if isinstance(reply, str) else reply for reply in replies)
        return self

    def release(self) -> None:
        """End every hang and stall now (call before the server stops)."""
        self._released.set()

    def prompt(self, index: int = -1) -> str:
        """The system prompt and user content of a recorded request, as one text to search."""
        body = self.requests[index]["body"]
        system = body.get("system") or ""
        if isinstance(system, list):
            system = " ".join(part.get("text", "") for part in system)
        return f"{system}\n{_text(body['messages'][-1]['content'])}"

    # -- the API ---------------------------------------------------------------------------------
    async def _messages(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.requests.append({"headers": {k.lower(): v for k, v in request.headers.items()}, "body": body,
                              "at": time.perf_counter()})
        scripted = self.script.pop(0) if self.script else Scripted(
            self.reply(_text(body["messages"][-1]["content"])), self.status, self.delay, self.token_delay)
        if scripted.delay:
            await asyncio.sleep(scripted.delay)  # the server is slow; the client's timeout is what's under test
        if scripted.hang:
            await self._hang()
        if scripted.status != 200:
            kind = {429: "rate_limit_error", 529: "overloaded_error", 401: "authentication_error"}.get(scripted.status,
                                                                                                       "api_error")
            return web.json_response({"type": "error", "error": {"type": kind, "message": "boom"}},
                                     status=scripted.status, headers=scripted.headers)
        message_id = f"msg_{next(self._ids):04d}"
        words = re.findall(r"\s*\S+", scripted.text) or [""]
        if not body.get("stream"):
            return web.json_response({
                "id": message_id, "type": "message", "role": "assistant", "model": body["model"],
                "content": [{"type": "text", "text": scripted.text}], "stop_reason": scripted.stop_reason,
                "stop_sequence": None, "usage": {"input_tokens": _count(self.prompt()), "output_tokens": len(words)},
            })
        return await self._stream(request, body, scripted, message_id, words)

    async def _stream(self, request: web.Request, body: dict, scripted: Scripted, message_id: str,
                      words: list[str]) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await response.prepare(request)

        async def send(event: str, data: dict[str, Any]) -> None:
            await response.write(f"event: {event}\ndata: {json.dumps(data)}\n\n".encode())

        await send("message_start", {"type": "message_start", "message": {
            "id": message_id, "type": "message", "role": "assistant", "model": body["model"], "content": [],
            "stop_reason": None, "stop_sequence": None,
            "usage": {"input_tokens": _count(self.prompt()), "output_tokens": 1}}})
        await send("content_block_start", {"type": "content_block_start", "index": 0,
                                           "content_block": {"type": "text", "text": ""}})
        await send("ping", {"type": "ping"})
        for number, word in enumerate(words):
            if scripted.stall_after is not None and number == scripted.stall_after:
                await self._hang()
            if scripted.token_delay and number:
                await asyncio.sleep(scripted.token_delay)
            await send("content_block_delta", {"type": "content_block_delta", "index": 0,
                                               "delta": {"type": "text_delta", "text": word}})
        await send("content_block_stop", {"type": "content_block_stop", "index": 0})
        await send("message_delta", {"type": "message_delta", "delta": {"stop_reason": scripted.stop_reason,
                                                                          "stop_sequence": None},
                                     "usage": {"output_tokens": len(words)}})
        await send("message_stop", {"type": "message_stop"})
        await response.write_eof()
        return response

    async def _hang(self) -> None:
        started = time.monotonic()
        while not self._released.is_set() and time.monotonic() - started < HANG_LIMIT:
            await asyncio.sleep(0.05)


def _text(content: Any) -> str:
    return content if isinstance(content, str) else " ".join(part.get("text", "") for part in content)


def _count(text: str) -> int:
    """A rough token count (words), enough for tests that usage is read and exported."""
    return len(text.split())
