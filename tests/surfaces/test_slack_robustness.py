"""Odd input never crashes the bot: a clear reply in the thread, or a clean HTTP rejection."""

from __future__ import annotations

import json

from tests.fakes.slack_api import BOT_USER_ID
from tests.fakes.slack_events import app_mention, direct_message
from tests.surfaces.conftest import SlackBotFactory
from tests.surfaces.test_slack_answers import in_thread


def test_fifty_thousand_character_question_gets_a_clear_reply(slack_bot: SlackBotFactory) -> None:
    bot = slack_bot()
    event = app_mention(f"<@{BOT_USER_ID}> " + ("please help me with my laptop " * 1700)[:50_000])

    assert bot.send_event(event).status == 200

    [reply] = bot.fake.wait_for("chat.postMessage", in_thread(event["channel"], event["ts"]))
    assert "characters long" in reply.args["text"]
    assert len(json.dumps(reply.args["blocks"])) < 10_000


def test_mention_without_a_question_gets_a_prompt(slack_bot: SlackBotFactory) -> None:
    bot = slack_bot()
    event = app_mention(f"<@{BOT_USER_ID}> :wave:")

    bot.send_event(event)

    [reply] = bot.fake.wait_for("chat.postMessage", in_thread(event["channel"], event["ts"]))
    assert "Ask me a question" in reply.args["text"]


def test_events_with_missing_fields_are_acked_and_skipped(slack_bot: SlackBotFactory) -> None:
    bot = slack_bot()
    no_channel = app_mention(f"<@{BOT_USER_ID}> how do I reset my password?")
    del no_channel["channel"]
    no_ts = direct_message("How do I reset my password?")
    del no_ts["ts"]
    no_text_no_user = direct_message("")
    del no_text_no_user["text"], no_text_no_user["user"]

    assert bot.send_event(no_channel).status == 200
    assert bot.send_event(no_ts).status == 200
    assert bot.send_event(no_text_no_user).status == 200

    bot.drain()
    assert bot.fake.recorded("chat.postMessage") == []  # nobody asked the user-less one either


def test_malformed_payloads_are_rejected_cleanly(slack_bot: SlackBotFactory) -> None:
    bot = slack_bot()

    not_json = bot.send_raw("this is not json {")
    no_event = bot.send_raw(json.dumps({"type": "event_callback", "event_id": "EvNOEVENT01"}))
    unknown_type = bot.send_raw(json.dumps({"type": "event_callback", "event_id": "EvUNKNOWN01",
                                            "event": {"type": "reaction_added"}}))
    url_check = bot.send_raw(json.dumps({"type": "url_verification", "challenge": "abc123", "token": "t"}))

    for reply in (not_json, no_event, unknown_type):
        assert reply.status < 500, reply
    assert url_check.status == 200 and url_check.json() == {"challenge": "abc123"}
    assert bot.get("/healthz").status == 200
    bot.drain()
    assert bot.fake.recorded("chat.postMessage") == []
