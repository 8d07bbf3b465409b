"""The real bot server on a local port, talking to a fake Slack Web API on another.

`slack_bot(...)` builds the same aiohttp application `kb serve` runs (bot.server.build_app) with
the real Bolt app, signs requests as Slack does, and sends them over HTTP; the bot's Web API calls
reach `FakeSlackAPI`, which records them. Nothing in between is replaced.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from bot.records import memory
from bot.conversation.services import ChatServices
from bot.runtime import Runtime
from bot.server import build_app
from bot.surfaces.slack.surface import SlackSurface
from bot.surfaces.teams.surface import TeamsSurface
from bot.surfaces.teams.groups import AadGroups
from tests.fakes.aio import LoopThread
from tests.fakes.slack_api import BOT_TOKEN, FakeSlackAPI
from tests.fakes.teams_connector import FakeConnector
from tests.fakes.slack_events import SIGNING_SECRET, event_callback, signed_headers, slash_command

ADMIN = "U0000ADMIN"


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: str

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class SlackBot:
    url: str
    fake: FakeSlackAPI
    surface: SlackSurface
    services: ChatServices
    loop: LoopThread
    sent: list[dict] = field(default_factory=list)

    def post(self, path: str, body: str, headers: dict[str, str]) -> Reply:
        request = urllib.request.Request(self.url + path, data=body.encode(), headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return Reply(response.status, {k.lower(): v for k, v in response.headers.items()}, response.read().decode())
        except urllib.error.HTTPError as error:
            return Reply(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read().decode())

    def get(self, path: str) -> Reply:
        with urllib.request.urlopen(self.url + path, timeout=30) as response:
            return Reply(response.status, {k.lower(): v for k, v in response.headers.items()}, response.read().decode())

    def send_event(self, event: dict, *, event_id: str | None = None, headers: dict[str, str] | None = None) -> Reply:
        """Deliver an Events API callback, signed; returns the bot's HTTP reply (its ack)."""
        payload = event_callback(event, event_id)
        self.sent.append(payload)
        return self.send_raw(json.dumps(payload), headers=headers)

    def send_raw(self, body: str, *, headers: dict[str, str] | None = None,
                 content_type: str = "application/json") -> Reply:
        return self.post("/slack/events", body, {**signed_headers(body, content_type=content_type), **(headers or {})})

    def command(self, text: str, *, user: str) -> Reply:
        body = slash_command(text, user=user)
        return self.post("/slack/events", body, signed_headers(body, content_type="application/x-www-form-urlencoded"))

    def action(self, body: str) -> Reply:
        return self.post("/slack/events", body, signed_headers(body, content_type="application/x-www-form-urlencoded"))

    def drain(self) -> None:
        """Wait until every answer, feedback and reindex in progress has finished posting."""
        assert self.loop.run(self.surface.drain(timeout=30))
        self.loop.run(self.services.reindexer.wait())


SlackBotFactory = Callable[..., SlackBot]


@pytest.fixture()
def slack_bot(example_runtime: Runtime) -> Iterator[SlackBotFactory]:
    """Start bot + fake Slack; by default over the example runbooks index (built once per session).

    Keyword arguments override settings; `runtime=` swaps the index (tests that reindex use their
    own, so the shared example index never changes under other tests); `services=` passes
    ChatServices options; `fake=` is a FakeSlackAPI prepared before the bot starts (what the bot
    reads at startup, such as user groups).
    """
    with LoopThread() as loop:

        def start(runtime: Runtime | None = None, services: dict | None = None, fake: FakeSlackAPI | None = None,
                  **overrides: Any) -> SlackBot:
            base = runtime or example_runtime
            fake = fake or FakeSlackAPI()
            fake_url = loop.serve(fake.app())
            settings = base.settings.model_copy(update={
                "slack_bot_token": SecretStr(BOT_TOKEN), "slack_signing_secret": SecretStr(SIGNING_SECRET),
                "slack_app_token": None, "slack_api_url": f"{fake_url}/api/", "admins": [ADMIN],
                "slack_looking_after": 5.0, **overrides,
            })
            rt = Runtime(settings)
            rt.store, rt.embedder = base.store, base.embedder
            chat = ChatServices(rt, **(services or {}))
            surface = SlackSurface(chat)
            url = loop.serve(build_app(rt, surfaces=[surface]))
            return SlackBot(url, fake, surface, chat, loop)

        yield start


@pytest.fixture()
def corpus_runtime(tmp_path: Path, corpus: Path, runtime: Runtime) -> Runtime:
    """A runtime of its own (temp index) whose configured source is a copy of the small test runbooks."""
    runtime.settings = runtime.settings.model_copy(update={"local_paths": [str(corpus)]})
    return runtime


# -- Teams ---------------------------------------------------------------------------------------------
TEAMS_ADMIN_AAD = "aad-admin-0001"


@dataclass
class TeamsBot:
    url: str
    connector: FakeConnector
    connector_url: str
    surface: TeamsSurface
    services: ChatServices
    loop: LoopThread

    def post(self, body: str | bytes, headers: dict[str, str] | None = None) -> tuple[int, str]:
        data = body.encode() if isinstance(body, str) else body
        request = urllib.request.Request(self.url + "/api/messages", data=data, method="POST",
                                         headers={"Content-Type": "application/json", **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def send(self, activity: dict[str, Any], headers: dict[str, str] | None = None) -> int:
        return self.post(json.dumps(activity), headers)[0]

    def drain(self) -> None:
        assert self.loop.run(self.surface.drain(timeout=60))
        self.loop.run(self.services.reindexer.wait())


TeamsBotFactory = Callable[..., TeamsBot]


@pytest.fixture()
def teams_bot(example_runtime: Runtime) -> Iterator[TeamsBotFactory]:
    """Start bot + fake connector over the example runbooks index; keywords override settings.

    `aad_groups=` is the reader of askers' AAD groups (reading a fake Graph as a test app): the
    surface itself stays anonymous (no MICROSOFT_APP_ID), as every Teams test here.

    Bots started in one test share the index database, as a restarted process or a second replica
    does; the Teams follow-up memory in it starts empty in each test (personal chats reuse one id).
    """
    example_runtime.records.table(memory.TABLE, memory.SCHEMA).delete("true")
    with LoopThread() as loop:

        def start(runtime: Runtime | None = None, aad_groups: AadGroups | None = None, **overrides: Any) -> TeamsBot:
            base = runtime or example_runtime
            connector = FakeConnector()
            connector_url = loop.serve(connector.app())
            settings = base.settings.model_copy(update={
                "microsoft_app_id": "", "microsoft_app_password": None, "microsoft_app_tenant_id": "",
                "admins": [TEAMS_ADMIN_AAD], "mode": "development", **overrides})
            rt = Runtime(settings)
            rt.store, rt.embedder = base.store, base.embedder
            chat = ChatServices(rt)
            surface = loop.run(_make_surface(chat, aad_groups))
            url = loop.serve(build_app(rt, surfaces=[surface]))
            return TeamsBot(url, connector, connector_url, surface, chat, loop)

        yield start


async def _make_surface(chat: ChatServices, aad_groups: AadGroups | None = None) -> TeamsSurface:
    """Built on the server's loop, as `kb serve` does (its events belong to that loop)."""
    return TeamsSurface(chat, aad_groups=aad_groups)
