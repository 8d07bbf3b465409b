"""A fake Anthropic Messages API (POST /v1/messages, JSON only) for the policy's LLM check.

It records each request (headers and body) and answers with a text reply chosen by the test, or
after a delay (to prove the check is time-bounded), or with an error status (to prove failures
change nothing). The anthropic SDK reaches it through ANTHROPIC_BASE_URL / base_url.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class FakeMessages:
    reply: Callable[[str], str] = lambda question: "none"
    delay: float = 0.0
    status: int = 200
    requests: list[dict[str, Any]] = field(default_factory=list)
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v1/messages", self._messages)
        return app

    async def _messages(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append({"headers": {k.lower(): v for k, v in request.headers.items()}, "body": body})
        if self.delay:
            await asyncio.sleep(self.delay)  # the server is slow; the client's timeout is what's under test
        if self.status != 200:
            return web.json_response({"type": "error", "error": {"type": "api_error", "message": "boom"}},
                                     status=self.status)
        content = body["messages"][-1]["content"]
        text = content if isinstance(content, str) else " ".join(part.get("text", "") for part in content)
        return web.json_response({
            "id": f"msg_{next(self._ids):04d}", "type": "message", "role": "assistant", "model": body["model"],
            "content": [{"type": "text", "text": self.reply(text)}], "stop_reason": "end_turn", "stop_sequence": None,
            "usage": {"input_tokens": 10, "output_tokens": 1},
        })
