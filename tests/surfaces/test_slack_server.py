"""The server `kb serve` runs: Socket Mode on the same Bolt app, health and metrics beside Slack."""

from __future__ import annotations

from pydantic import SecretStr

from tests.fakes.slack_api import APP_TOKEN, BOT_USER_ID
from tests.fakes.slack_events import app_mention, event_callback
from tests.surfaces.conftest import SlackBotFactory
from tests.surfaces.test_slack_answers import in_thread, source_sections


def test_socket_mode_event_is_acked_and_answered_in_thread(slack_bot: SlackBotFactory) -> None:
    bot = slack_bot(slack_app_token=SecretStr(APP_TOKEN), slack_signing_secret=None)
    assert bot.fake.socket_connected.wait(10)
    event = app_mention(f"<@{BOT_USER_ID}> how do I set up my new laptop?")

    envelope_id = bot.fake.push(event_callback(event))

    assert bot.fake.wait_for_ack(envelope_id)["envelope_id"] == envelope_id
    [answer] = bot.fake.wait_for("chat.postMessage", in_thread(event["channel"], event["ts"]))
    assert "examples/runbooks/" in source_sections(answer)[0]
    # Without a signing secret the HTTP endpoint is not mounted at all: nothing unsigned gets in.
    assert bot.post("/slack/events", "{}", {"Content-Type": "application/json"}).status == 404


def test_socket_mode_redelivery_is_answered_once(slack_bot: SlackBotFactory) -> None:
    bot = slack_bot(slack_app_token=SecretStr(APP_TOKEN), slack_signing_secret=None)
    assert bot.fake.socket_connected.wait(10)
    event = app_mention(f"<@{BOT_USER_ID}> how do I report a lost laptop?")
    payload = event_callback(event, "EvSOCKET0001")

    first, again = bot.fake.push(payload), bot.fake.push(payload)

    bot.fake.wait_for_ack(first), bot.fake.wait_for_ack(again)
    bot.fake.wait_for("chat.postMessage", in_thread(event["channel"], event["ts"]))
    bot.drain()
    assert len(bot.fake.recorded("chat.postMessage")) == 1


def test_healthz_and_metrics_are_served_beside_slack(slack_bot: SlackBotFactory) -> None:
    bot = slack_bot()
    event = app_mention(f"<@{BOT_USER_ID}> how do I reset my password?")
    bot.send_event(event)
    bot.fake.wait_for("chat.postMessage", in_thread(event["channel"], event["ts"]))

    health = bot.get("/healthz")
    metrics = bot.get("/metrics")

    assert health.status == 200 and health.json() == {"ok": True, "surfaces": ["slack"]}
    assert metrics.status == 200 and metrics.headers["content-type"].startswith("text/plain")
    assert 'kb_surface_events_total{kind="mention",surface="slack"}' in metrics.body
