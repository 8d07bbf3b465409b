"""Real Slack and Teams payloads that kb used to mishandle, replayed over HTTP against the server.

Each test sends what the platform sends (signed Events API callbacks, Bot Framework activities)
and checks what reaches the platform's API, as the rest of tests/surfaces does.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from bot.runtime import Runtime
from bot.server import build_app
from tests.fakes.aio import LoopThread
from tests.fakes.slack_api import BOT_USER_ID
from tests.fakes.slack_events import app_mention
from tests.fakes.teams_activities import channel_mention, personal_message
from tests.fakes.teams_connector import FakeConnector
from tests.surfaces.conftest import SlackBotFactory, TeamsBotFactory


# -- Slack ----------------------------------------------------------------------------------------------
def test_an_app_mention_without_a_user_is_ignored(slack_bot: SlackBotFactory) -> None:
    bot = slack_bot()
    nobody = app_mention(f"<@{BOT_USER_ID}> ")  # what Slack sends when a workflow or integration mentions the app
    del nobody["user"]

    assert bot.send_event(nobody).status == 200
    bot.drain()

    assert bot.fake.recorded("chat.postMessage") == []


def test_event_types_kb_does_not_handle_are_acknowledged_so_slack_does_not_retry(slack_bot: SlackBotFactory) -> None:
    bot = slack_bot()
    others = [
        {"type": "reaction_added", "user": "U0000ASKER", "reaction": "thumbsup",
         "item": {"type": "message", "channel": "C0000GENRL", "ts": "1700000000.000100"}, "event_ts": "1700000001.0"},
        {"type": "member_joined_channel", "user": "U0000NEWBY", "channel": "C0000GENRL", "channel_type": "C",
         "event_ts": "1700000002.0"},
        {"type": "app_home_opened", "user": "U0000ASKER", "channel": "D0000ASKER", "tab": "messages",
         "event_ts": "1700000003.0"},
        {"type": "tokens_revoked", "tokens": {"bot": ["B0000KB"]}, "event_ts": "1700000004.0"},
    ]

    replies = [bot.send_event(event) for event in others]
    bot.drain()

    assert [reply.status for reply in replies] == [200] * len(others)
    assert bot.fake.recorded("chat.postMessage") == [] and bot.fake.recorded("chat.postEphemeral") == []


# -- Teams ----------------------------------------------------------------------------------------------
def test_a_teams_activity_without_conversation_or_sender_is_rejected_up_front(teams_bot: TeamsBotFactory) -> None:
    bot = teams_bot()
    no_conversation = personal_message(bot.connector_url, "How do I reset my password?")
    del no_conversation["conversation"]
    no_sender = personal_message(bot.connector_url, "How do I reset my password?")
    del no_sender["from"]

    statuses = [bot.post(json.dumps(activity)) for activity in (no_conversation, no_sender)]
    bot.drain()

    assert [status for status, _ in statuses] == [400, 400]
    assert "conversation" in statuses[0][1] and "from" in statuses[1][1]
    assert bot.connector.sent == []


def test_development_mode_serves_teams_anonymously_as_kb_serve_does(example_runtime: Runtime) -> None:
    """`kb serve` with KB_MODE=development and no MICROSOFT_APP_ID (the Emulator, the Agents Playground)."""
    settings = example_runtime.settings.model_copy(update={
        "mode": "development", "microsoft_app_id": "", "microsoft_app_password": None, "microsoft_app_tenant_id": "",
        "slack_bot_token": None, "slack_signing_secret": None, "slack_app_token": None})
    runtime = Runtime(settings)
    runtime.store, runtime.embedder = example_runtime.store, example_runtime.embedder
    with LoopThread() as loop:
        connector = FakeConnector()
        connector_url = loop.serve(connector.app())
        url = loop.serve(build_app(runtime))  # the surfaces `kb serve` chooses from the settings

        personal = personal_message(connector_url, "How do I reset my password?")
        mention = channel_mention(connector_url, "How do I set up the VPN on my laptop?")
        statuses = [_post(url + "/api/messages", activity) for activity in (personal, mention)]
        sent = connector.wait_for(lambda s: {personal["id"], mention["id"]} <= {m.reply_to_id for m in s if m.cards})

    assert statuses == [202, 202]
    answered = {m.reply_to_id: m.conversation_id for m in sent if m.cards}
    assert answered[personal["id"]] == personal["conversation"]["id"]
    assert answered[mention["id"]] == mention["conversation"]["id"]


def test_production_without_an_app_id_serves_no_teams_endpoint(example_runtime: Runtime) -> None:
    settings = example_runtime.settings.model_copy(update={
        "mode": "production", "microsoft_app_id": "", "microsoft_app_password": None,
        "slack_bot_token": None, "slack_signing_secret": None, "slack_app_token": None})
    runtime = Runtime(settings)
    runtime.store, runtime.embedder = example_runtime.store, example_runtime.embedder
    with LoopThread() as loop:
        url = loop.serve(build_app(runtime))
        status = _post(url + "/api/messages", personal_message("http://127.0.0.1:9", "hello"))

    assert status == 404


def _post(url: str, activity: dict) -> int:
    request = urllib.request.Request(url, data=json.dumps(activity).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
