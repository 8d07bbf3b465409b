"""Slack's Request URL check, answered before the app is installed.

Setting up HTTP mode runs in this order: the app exists (signing secret known), its Request URL is
saved, and Slack verifies that URL with a signed `url_verification` challenge *before* the app can
be installed; the bot token (`xoxb-`) only exists after installing. The full Slack surface needs
that token, so until it is set `kb serve` mounts this stand-in on `/slack/events`: it checks the
signature, answers the challenge, and refuses everything else with 503 (Slack retries events, and
nothing is delivered to an app that is not installed anyway).
"""

from __future__ import annotations

import json

import structlog
from aiohttp import web
from slack_sdk.signature import SignatureVerifier

from bot.config import Settings

log = structlog.get_logger(__name__)

EVENTS_PATH = "/slack/events"
NOT_INSTALLED = "kb has a Slack signing secret but no SLACK_BOT_TOKEN yet: install the app, set the token, restart"


def awaiting_install(settings: Settings) -> bool:
    """A signing secret without a bot token: the moment between saving the Request URL and installing."""
    return settings.slack_signing_secret is not None and settings.slack_bot_token is None


class SlackUrlVerification:
    """Answers Slack's signed URL verification on /slack/events; everything else gets 503."""

    name = "slack-url-verification"

    def __init__(self, settings: Settings) -> None:
        assert settings.slack_signing_secret is not None
        self._verifier = SignatureVerifier(settings.slack_signing_secret.get_secret_value())

    def mount(self, app: web.Application) -> None:
        app.router.add_post(EVENTS_PATH, self.handle)
        log.warning("slack.awaiting_install", hint=NOT_INSTALLED)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.text()
        if not self._verifier.is_valid_request(body, dict(request.headers)):
            return web.json_response({"error": "invalid signature"}, status=401)
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
        if isinstance(payload, dict) and payload.get("type") == "url_verification":
            log.info("slack.url_verified")
            return web.json_response({"challenge": payload.get("challenge", "")})
        log.warning("slack.not_installed", hint=NOT_INSTALLED)
        return web.json_response({"error": NOT_INSTALLED}, status=503)
