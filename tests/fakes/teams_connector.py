"""A local Bot Framework connector service: where a Teams bot's replies land in tests.

A real activity carries `serviceUrl` (Teams' connector); tests put this fake's URL there, so the
bot's real botbuilder ConnectorClient POSTs to it. It records every activity sent (POST) and every
update (PUT /v3/conversations/{id}/activities/{activityId}), replies with an id as the connector
does, and serves the roster lookup `TeamsInfo.get_member` makes.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Sent:
    conversation_id: str
    reply_to_id: str | None
    activity: dict[str, Any]
    at: float = field(default_factory=time.perf_counter)
    """When the connector recorded it (perf_counter), for latency benchmarks."""
    response_id: str = ""
    """The id the connector gave the activity (what a later update or a card's button names)."""
    method: str = "POST"
    """POST: a new activity (`reply_to_id` is what it answers); PUT: an update of activity `reply_to_id`."""

    @property
    def updated(self) -> str | None:
        """For an update (PUT): the id of the activity it replaced."""
        return self.reply_to_id if self.method == "PUT" else None

    @property
    def type(self) -> str:
        return str(self.activity.get("type"))

    @property
    def text(self) -> str:
        return str(self.activity.get("text") or "")

    @property
    def cards(self) -> list[dict[str, Any]]:
        return [a["content"] for a in self.activity.get("attachments") or []
                if a.get("contentType") == "application/vnd.microsoft.card.adaptive"]


@dataclass
class FakeConnector:
    members: dict[str, dict[str, Any]] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)
    _changed: threading.Condition = field(default_factory=threading.Condition)
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v3/conversations/{cid}/activities", self._send)
        app.router.add_post("/v3/conversations/{cid}/activities/{rid}", self._send)
        app.router.add_put("/v3/conversations/{cid}/activities/{rid}", self._update)
        app.router.add_get("/v3/conversations/{cid}/members/{uid}", self._member)
        return app

    async def _send(self, request: web.Request) -> web.Response:
        body = await request.json()
        with self._changed:
            sent = Sent(request.match_info["cid"], request.match_info.get("rid"), body, response_id=f"reply-{next(self._ids)}")
            self.sent.append(sent)
            self._changed.notify_all()
        return web.json_response({"id": sent.response_id})

    async def _update(self, request: web.Request) -> web.Response:
        body = await request.json()
        with self._changed:
            self.sent.append(Sent(request.match_info["cid"], request.match_info["rid"], body, method="PUT"))
            self._changed.notify_all()
        return web.json_response({"id": request.match_info["rid"]})

    async def _member(self, request: web.Request) -> web.Response:
        member = self.members.get(request.match_info["uid"])
        if member is None:
            return web.json_response({"error": {"code": "MemberNotFound"}}, status=404)
        return web.json_response(member)

    def wait_for(self, condition: Callable[[list[Sent]], bool], timeout: float = 60) -> list[Sent]:
        """Block until `condition(sent)` holds (checked on every recorded call); the list then."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not condition(self.sent):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"connector never saw the expected calls; got {[s.activity for s in self.sent]}")
                self._changed.wait(left)
            return list(self.sent)

    def messages(self) -> list[Sent]:
        """New messages (POSTs), not updates."""
        with self._changed:
            return [s for s in self.sent if s.type == "message" and s.method == "POST"]

    def updates(self) -> list[Sent]:
        with self._changed:
            return [s for s in self.sent if s.method == "PUT"]
