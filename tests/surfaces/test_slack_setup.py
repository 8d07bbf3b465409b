"""HTTP mode set up in Slack's order: the Request URL is verified before the app is installed.

`kb serve` runs with only SLACK_SIGNING_SECRET (no bot token exists before installing); Slack's
signed `url_verification` challenge, sent over HTTP, must come back answered.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from bot.runtime import Runtime
from bot.server import build_app
from tests.fakes.aio import LoopThread
from tests.fakes.slack_events import SIGNING_SECRET, app_mention, event_callback, signed_headers
from tests.surfaces.conftest import Reply, SlackBot


@pytest.fixture()
def before_install(runtime: Runtime) -> Iterator[SlackBot]:
    """The server `kb serve` builds from settings alone: a signing secret, no bot token, no app token."""
    runtime.settings = runtime.settings.model_copy(update={
        "slack_signing_secret": SecretStr(SIGNING_SECRET), "slack_bot_token": None, "slack_app_token": None})
    with LoopThread() as loop:
        url = loop.serve(build_app(runtime))
        yield SlackBot(url, fake=None, surface=None, services=None, loop=loop)  # type: ignore[arg-type]


def _signed(bot: SlackBot, payload: dict, **sign: object) -> Reply:
    body = json.dumps(payload)
    return bot.post("/slack/events", body, signed_headers(body, **sign))  # type: ignore[arg-type]


def test_the_url_verification_challenge_is_answered_before_the_bot_token_exists(before_install: SlackBot) -> None:
    reply = _signed(before_install, {"token": "legacy", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                                     "type": "url_verification"})

    assert reply.status == 200
    assert reply.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}
    assert before_install.get("/healthz").json()["surfaces"] == ["slack-url-verification"]


def test_unsigned_or_stale_challenges_are_refused(before_install: SlackBot) -> None:
    payload = {"challenge": "abc", "type": "url_verification"}

    forged = _signed(before_install, payload, secret="not-the-signing-secret")
    stale = _signed(before_install, payload, timestamp=1_600_000_000)
    unsigned = before_install.post("/slack/events", json.dumps(payload), {"Content-Type": "application/json"})

    assert [forged.status, stale.status, unsigned.status] == [401, 401, 401]
    assert "abc" not in forged.body + stale.body + unsigned.body


def test_events_before_install_are_refused_with_what_to_do(before_install: SlackBot) -> None:
    reply = _signed(before_install, event_callback(app_mention("how do I reset my password?")))

    assert reply.status == 503
    assert "SLACK_BOT_TOKEN" in reply.json()["error"]
