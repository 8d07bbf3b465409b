"""Microsoft Teams: `POST /api/messages` on the one aiohttp server, wired to the conversation flow.

This module only wires and guards the door: a request is checked (JSON, an activity with a type, a
serviceUrl, a conversation and a sender: 4xx at once otherwise) and authenticated (the Bot Framework
JWT, single-tenant when a tenant id is set; 401 at once when it fails) before anything runs. The
Bot Framework gives a bot 15 seconds to answer the POST and retries otherwise, while an answer can
take longer: so a turn then runs in a tracked background task (202); invokes, whose HTTP response
is their result, run inline.

Anonymous requests are accepted only with an empty MICROSOFT_APP_ID and KB_MODE=development (the
Bot Framework Emulator, the Microsoft 365 Agents Playground, the tests); production refuses to start
without an app id.
"""

from __future__ import annotations

import asyncio
from typing import Any

import structlog
from aiohttp import web

from bot.config import Settings
from bot.conversation.inflight import InFlight
from bot.conversation.services import ChatServices
from bot.surfaces.teams import activity as read
from bot.surfaces.teams import cards, queue
from bot.surfaces.teams.botframework import BotFramework, NotAnActivity, Unauthorized
from bot.surfaces.teams.events import TeamsEvents
from bot.surfaces.teams.groups import AadGroups
from bot.surfaces.teams.queue import PROACTIVE_META, Proactive, TeamsQueueNotifier

log = structlog.get_logger(__name__)

MESSAGES_PATH = "/api/messages"


def configured(settings: Settings) -> bool:
    """Teams runs in `kb serve` when the bot is registered (an app id), or anonymously in development mode."""
    return bool(settings.microsoft_app_id) or settings.mode == "development"


def _required(body: dict[str, Any]) -> str | None:
    """What a usable activity lacks, checked before authentication and before any work is queued."""
    if not body.get("type"):
        return "activity has no type"
    if not body.get("serviceUrl"):
        return "activity has no serviceUrl"
    if not read.conversation_id(body):
        return "activity has no conversation"
    if not read.sender(body).get("id"):
        return "activity has no from"
    return None


class TeamsSurface:
    name = "teams"
    markup = cards.MARKUP

    def __init__(self, services: ChatServices, settings: Settings | None = None,
                 aad_groups: AadGroups | None = None) -> None:
        self.services = services
        self.settings = settings or services.settings
        if self.settings.microsoft_app_id and self.settings.microsoft_app_password is None:
            raise ValueError("MICROSOFT_APP_PASSWORD is required when MICROSOFT_APP_ID is set")
        if not self.settings.microsoft_app_id and self.settings.mode == "production":
            raise ValueError("MICROSOFT_APP_ID is required in production: anonymous Bot Framework requests are "
                             "accepted only with KB_MODE=development")
        self.aad_groups = aad_groups or AadGroups.from_settings(self.settings)
        """Askers' AAD groups (KB_TEAMS_AAD_GROUPS); tests pass one reading a fake Graph."""
        self.events = TeamsEvents(services, self.aad_groups)
        self.framework = BotFramework(self.settings, on_message=self.events.on_message,
                                      on_installed=self.events.on_installed, on_error=self.events.on_error)
        self.events.framework = self.framework
        self.inflight = InFlight(self.name)
        self.loop: asyncio.AbstractEventLoop | None = None
        """The server's loop, where botbuilder sends; the queue notifier hands its work to it."""
        self._proactive: Proactive | None = None
        if services.desk is not None:  # escalations: queue cards, Claim/Resolve, the asker's conversation
            services.desk.add_notifier(TeamsQueueNotifier(self.framework, self.proactive, lambda: self.loop))

    # -- wiring into the one HTTP server ---------------------------------------------------------
    def mount(self, web_app: web.Application) -> None:
        web_app.router.add_post(MESSAGES_PATH, self.handle_http)
        web_app.on_startup.append(self._started)
        web_app.on_shutdown.append(self._shutdown)
        if not self.settings.microsoft_app_id:
            log.warning("teams.anonymous", hint="KB_MODE=development with no MICROSOFT_APP_ID: /api/messages accepts "
                                                "unauthenticated activities (for the Emulator or Agents Playground)")

    async def _started(self, _: web.Application) -> None:
        self.loop = asyncio.get_running_loop()
        if self.aad_groups is not None:  # the startup check: a missing Graph permission is logged now
            self.inflight.spawn(self.aad_groups.check())

    async def handle_http(self, request: web.Request) -> web.Response:
        if "application/json" not in (request.content_type or ""):
            return web.json_response({"error": "expected application/json"}, status=415)
        try:
            body = await request.json()
        except ValueError:
            return web.json_response({"error": "malformed JSON"}, status=400)
        if not isinstance(body, dict):
            return web.json_response({"error": "an activity is a JSON object"}, status=400)
        try:
            activity = self.framework.parse(body)
        except NotAnActivity:
            return web.json_response({"error": "not a Bot Framework activity"}, status=400)
        if missing := _required(body):
            log.warning("teams.activity_unusable", type=str(body.get("type"))[:40], missing=missing)
            return web.json_response({"error": missing}, status=400)
        auth_header = request.headers.get("Authorization", "")
        try:
            await self.framework.authenticate(activity, auth_header)
        except Unauthorized as error:
            log.warning("teams.unauthorized", error_type=str(error))
            return web.json_response({"error": "unauthorized"}, status=401)
        self.loop = asyncio.get_running_loop()
        await self._remember_proactive(body)  # only authenticated activities: it is where the bot will send
        if body.get("type") == "invoke":  # its HTTP response is the result: run inline
            result = await self.framework.process(activity, auth_header)
            if result is not None:
                return web.json_response(result[1], status=result[0])
            return web.Response(status=200)
        self.inflight.spawn(self.framework.process(activity, auth_header))
        return web.Response(status=202)

    async def drain(self, timeout: float) -> bool:
        """Wait for turns in progress to finish posting; True when none is left."""
        return await self.inflight.drain(timeout)

    async def _shutdown(self, _: web.Application) -> None:
        await self.drain(timeout=30)
        await self.services.reindexer.wait()

    async def post_in_channel(self, channel: str, text: str) -> bool:
        """`ChannelPost`: the weekly digest, a new post in the channel `channel` (a conversation id)."""
        return await queue.post_in_channel(self.framework, self.proactive(), channel, text)

    # -- where posts the bot starts go (queue cards, the asker after a claim) ------------------------
    def proactive(self) -> Proactive | None:
        """Settings first, else what the last authenticated activity showed."""
        if self._proactive is None:
            self._proactive = Proactive.from_json(self.services.records.meta(PROACTIVE_META))
        known = self._proactive or Proactive("", "")
        service_url = self.settings.teams_service_url or known.service_url
        tenant = self.settings.microsoft_app_tenant_id or known.tenant
        bot_id = known.bot_id or (f"28:{self.settings.microsoft_app_id}" if self.settings.microsoft_app_id else "")
        return Proactive(service_url, tenant, bot_id, known.bot_name) if service_url else None

    async def _remember_proactive(self, activity: read.Activity) -> None:
        """Keep the connector, tenant and bot account of an authenticated activity (in the app's records)."""
        where = read.conversation_of(activity)
        seen = Proactive(where.get("service_url", ""), where.get("tenant", ""), where.get("bot_id", ""),
                         where.get("bot_name", ""))
        if seen == self._proactive or not seen.service_url or not seen.tenant:
            return
        self._proactive = seen
        try:
            await asyncio.to_thread(self.services.records.set_meta, PROACTIVE_META, seen.to_json())
        except Exception as error:  # remembering is a convenience; the turn goes on
            log.warning("teams.proactive_not_saved", error_type=type(error).__name__)
