"""Questions over the wire: a signed Slack event in, one threaded Block Kit answer out."""

from __future__ import annotations

import json

from bot.surfaces.slack_blocks import ACTION_HELPFUL, ACTION_NOT_HELPFUL
from tests.fakes.slack_api import BOT_ID, BOT_USER_ID, Call
from tests.fakes.slack_events import app_mention, direct_message, new_ts
from tests.surfaces.conftest import SlackBotFactory


def in_thread(channel: str, ts: str):  # noqa: ANN201 - a predicate for FakeSlackAPI.wait_for
    return lambda call: call.args.get("channel") == channel and call.args.get("thread_ts") == ts


def source_sections(call: Call) -> list[str]:
    """The mrkdwn of each numbered source section of an answer."""
    texts = [block["text"]["text"] for block in call.blocks() if block["type"] == "section"]
    return [text for text in texts if text[:2] == "*1" or text.split(".", 1)[0].strip("*").isdigit()]


def test_mention_is_answered_once_in_its_thread_with_linked_sources(slack_bot: SlackBotFactory) -> None:
    bot = slack_bot()
    event = app_mention(f"<@{BOT_USER_ID}> how do I reset my password?")

    reply = bot.send_event(event)

    assert reply.status == 200
    [answer] = bot.fake.wait_for("chat.postMessage", in_thread(event["channel"], event["ts"]))
    sources = source_sections(answer)
    assert 1 <= len(sources) <= 5
    assert sources[0].startswith("*1.* <")
    assert "examples/runbooks/it/password-reset.md" in sources[0]
    contexts = [el["text"] for block in answer.blocks() if block["type"] == "context" for el in block["elements"]]
    assert any("Runbooks folder" in text and "updated" in text for text in contexts)
    buttons = [el["action_id"] for block in answer.blocks() if block["type"] == "actions" for el in block["elements"]]
    assert buttons == [ACTION_HELPFUL, ACTION_NOT_HELPFUL]
    assert "password" in answer.args["text"].lower()
    bot.drain()
    assert len(bot.fake.recorded("chat.postMessage")) == 1


def test_direct_message_is_answered_in_its_thread(slack_bot: SlackBotFactory) -> None:
    bot = slack_bot()
    event = direct_message("How many weeks of parental leave do I get?")

    assert bot.send_event(event).status == 200

    [answer] = bot.fake.wait_for("chat.postMessage", in_thread(event["channel"], event["ts"]))
    assert "examples/runbooks/hr/parental-leave.md" in source_sections(answer)[0]
    bot.drain()
    assert len(bot.fake.recorded("chat.postMessage")) == 1
