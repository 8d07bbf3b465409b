"""Slack: the Bolt app on the one HTTP server (`/slack/events`, signed) or over Socket Mode.

This module only wires: the Bolt app, its listeners (`events`, which call the conversation flow),
the queue notifier, the user-group reader, and shutdown. Both ways in go through the same Bolt app,
so both get the same listeners.

Slack wants an ack within 3 seconds: Bolt acks events before the listener runs, and the answer
itself runs in a worker thread, so the loop keeps acking while a question is answered.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import structlog
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

from bot.config import Settings
from bot.conversation.inflight import InFlight
from bot.conversation.services import ChatServices
from bot.surfaces.slack import blocks, groups, queue
from bot.surfaces.slack.client import web_client
from bot.surfaces.slack.events import MALFORMED, SlackEvents, register
from bot.surfaces.slack.reply import post_in_channel

log = structlog.get_logger(__name__)

EVENTS_PATH = "/slack/events"


def configured(settings: Settings) -> bool:
    """Slack runs when there is a bot token and a way for events to arrive (signing secret or app token)."""
    return settings.slack_bot_token is not None and (settings.slack_signing_secret is not None
                                                     or settings.slack_app_token is not None)


class SlackSurface:
    name = "slack"
    markup = blocks.MARKUP

    def __init__(self, services: ChatServices, settings: Settings | None = None) -> None:
        self.services = services
        self.settings = settings or services.settings
        secret = self.settings.slack_signing_secret.get_secret_value() if self.settings.slack_signing_secret else ""
        self.client = web_client(self.settings)
        bolt_logger = logging.getLogger("kb.slack_bolt")
        level = bolt_logger.level
        bolt_logger.setLevel(logging.ERROR)  # Bolt also reads SLACK_BOT_TOKEN and warns that our client wins: it should
        try:
            # Production verifies every HTTP request whatever is configured; HTTP is only mounted with a secret.
            verify = bool(secret) or self.settings.mode == "production"
            self.app = AsyncApp(client=self.client, signing_secret=secret, request_verification_enabled=verify,
                                process_before_response=False, logger=bolt_logger)
        finally:
            bolt_logger.setLevel(level)
        self.inflight = InFlight(self.name)
        self._socket: Any = None
        self.usergroups = (groups.SlackUserGroups(web_client(self.settings, wait_when_rate_limited=False),
                                                  self.settings.slack_usergroups_ttl)
                           if self.settings.slack_usergroups else None)
        """Slack user groups as principals (KB_SLACK_USERGROUPS); None when off."""
        self._first_groups_read: asyncio.Task | None = None
        register(self.app, SlackEvents(services, self.inflight, self.usergroups))
        if services.desk is not None:  # escalations: queue posts (Claim/Resolve are listeners in `events`)
            services.desk.add_notifier(queue.SlackQueueNotifier(self.settings))

    # -- wiring into the one HTTP server ---------------------------------------------------------
    def mount(self, web_app: web.Application) -> None:
        if self.settings.slack_signing_secret is not None:
            web_app.router.add_post(EVENTS_PATH, self.handle_http)
        if self.settings.slack_app_token is not None:
            web_app.on_startup.append(self._connect_socket_mode)
        if self.usergroups is not None:
            web_app.on_startup.append(self._read_usergroups)
        web_app.on_shutdown.append(self._shutdown)

    async def handle_http(self, request: web.Request) -> web.Response:
        try:
            bolt_request = await to_bolt_request(request)
            response = await self.app.async_dispatch(bolt_request)
        except MALFORMED as error:
            # Bolt parses the body before verifying it, and its middleware assumes Slack's shapes
            # (`"event": null`, `"authorizations": false` break it): the sender's fault, not ours.
            log.warning("slack.malformed_request", content_type=request.content_type, error_type=type(error).__name__)
            return web.json_response({"error": "malformed request body"}, status=400)
        return await to_aiohttp_response(response)

    async def _read_usergroups(self, _: web.Application) -> None:
        """The startup check: a missing usergroups:read scope is logged now, not at the first question.

        In the background, so the server starts whatever Slack answers; a question arriving
        meanwhile waits for this same read.
        """
        assert self.usergroups is not None
        self._first_groups_read = asyncio.get_running_loop().create_task(self.usergroups.current())

    async def _connect_socket_mode(self, _: web.Application) -> None:
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        assert self.settings.slack_app_token is not None
        self._socket = AsyncSocketModeHandler(self.app, self.settings.slack_app_token.get_secret_value())
        await self._socket.connect_async()
        log.info("slack.socket_mode_connected")

    async def _shutdown(self, _: web.Application) -> None:
        if self._socket is not None:
            await self._socket.close_async()
        await self.drain(timeout=30)
        await self.services.reindexer.wait()

    async def post_in_channel(self, channel: str, text: str) -> bool:
        """`ChannelPost`: the weekly digest, a new message in `channel`."""
        return await post_in_channel(self.client, channel, text)

    async def drain(self, timeout: float) -> bool:
        """Wait for answers and clicks in progress to be posted; True when none is left."""
        return await self.inflight.drain(timeout)
