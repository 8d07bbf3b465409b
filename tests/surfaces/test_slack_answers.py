"""Questions over the wire: a signed Slack event in, one threaded Block Kit answer out."""

from __future__ import annotations

import json

from bot.surfaces.slack.blocks import ACTION_HELPFUL, ACTION_NOT_HELPFUL
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


def test_follow_up_in_a_thread_is_answered_with_the_threads_earlier_messages(slack_bot: SlackBotFactory) -> None:
    bot = slack_bot()
    channel = "C0000FOLLW"
    root = app_mention(f"<@{BOT_USER_ID}> how do I set up the VPN?", channel=channel)
    bot.fake.threads[(channel, root["ts"])] = [{"type": "message", "user": root["user"], "text": root["text"], "ts": root["ts"]}]
    bot.send_event(root)
    bot.fake.wait_for("chat.postMessage", in_thread(channel, root["ts"]))
    follow_up = app_mention(f"<@{BOT_USER_ID}> what if it keeps disconnecting?", channel=channel, thread_ts=root["ts"])
    bot.fake.threads[(channel, root["ts"])].append({"type": "message", "user": follow_up["user"],
                                                    "text": follow_up["text"], "ts": follow_up["ts"],
                                                    "thread_ts": root["ts"]})

    bot.send_event(follow_up)

    answers = bot.fake.wait_for("chat.postMessage", in_thread(channel, root["ts"]), count=2)
    [replies] = bot.fake.recorded("conversations.replies")
    assert (replies.args["channel"], replies.args["ts"]) == (channel, root["ts"])
    assert "it/vpn.md" in source_sections(answers[1])[0]
    # The same words on their own point elsewhere: the thread is what made the difference.
    alone = app_mention(f"<@{BOT_USER_ID}> what if it keeps disconnecting?", channel="C0000ALONE")
    bot.send_event(alone)
    [control] = bot.fake.wait_for("chat.postMessage", in_thread("C0000ALONE", alone["ts"]))
    assert "it/vpn.md" not in source_sections(control)[0]


def test_retried_slack_event_is_answered_once(slack_bot: SlackBotFactory) -> None:
    bot = slack_bot()
    event = app_mention(f"<@{BOT_USER_ID}> how do I connect to the guest wifi?")
    first = bot.send_event(event, event_id="EvRETRY0001")
    bot.fake.wait_for("chat.postMessage", in_thread(event["channel"], event["ts"]))

    retry = bot.send_event(event, event_id="EvRETRY0001",
                           headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    duplicate = bot.send_event(event, event_id="EvRETRY0001")

    assert first.status == retry.status == duplicate.status == 200
    assert "x-slack-no-retry" not in first.headers
    assert retry.headers.get("x-slack-no-retry") == "1"
    assert duplicate.headers.get("x-slack-no-retry") == "1"
    bot.drain()
    assert len(bot.fake.recorded("chat.postMessage", in_thread(event["channel"], event["ts"]))) == 1


def test_event_seen_before_a_restart_is_not_answered_again(slack_bot: SlackBotFactory) -> None:
    before = slack_bot()
    event = app_mention(f"<@{BOT_USER_ID}> where do I report a phishing email?")
    before.send_event(event, event_id="EvRESTART001")
    before.fake.wait_for("chat.postMessage", in_thread(event["channel"], event["ts"]))

    after = slack_bot()  # a fresh process: new surface and services over the same index database
    reply = after.send_event(event, event_id="EvRESTART001", headers={"X-Slack-Retry-Num": "2"})

    assert reply.status == 200 and reply.headers.get("x-slack-no-retry") == "1"
    after.drain()
    assert after.fake.recorded("chat.postMessage") == []


def test_one_message_delivered_as_two_events_is_answered_once(slack_bot: SlackBotFactory) -> None:
    bot = slack_bot()
    ts = new_ts()
    mention = app_mention(f"<@{BOT_USER_ID}> how do I install software?", channel="D0000TWICE", ts=ts)
    message = direct_message(mention["text"], channel="D0000TWICE", ts=ts)

    bot.send_event(mention)
    bot.send_event(message)

    bot.fake.wait_for("chat.postMessage", in_thread("D0000TWICE", ts))
    bot.drain()
    assert len(bot.fake.recorded("chat.postMessage")) == 1


def test_bad_signature_gets_401_and_nothing_is_posted(slack_bot: SlackBotFactory) -> None:
    bot = slack_bot()
    event = app_mention(f"<@{BOT_USER_ID}> how do I reset my password?")
    body = json.dumps({"type": "event_callback", "event_id": "EvFORGED001", "event": event})
    forged = {"X-Slack-Signature": "v0=" + "0" * 64}
    stale = {"X-Slack-Request-Timestamp": "1500000000"}  # signature over a different timestamp, and too old

    assert bot.send_raw(body, headers=forged).status == 401
    assert bot.send_raw(body, headers=stale).status == 401
    assert bot.post("/slack/events", body, {"Content-Type": "application/json"}).status == 401

    bot.drain()
    assert bot.fake.recorded("chat.postMessage") == []
    assert bot.fake.recorded("reactions.add") == []


def test_bots_own_and_edited_messages_are_ignored(slack_bot: SlackBotFactory) -> None:
    bot = slack_bot()
    ignored = [
        direct_message("How do I reset my password?", user=BOT_USER_ID, bot_id=BOT_ID),
        direct_message("How do I reset my password?", user="U0000OTHER", bot_id="B0000OTHER"),
        direct_message("How do I reset my password?", subtype="bot_message", bot_id="B0000OTHER"),
        direct_message("", subtype="message_changed", message={"text": "How do I reset my password?", "user": "U0000ASKER"}),
        direct_message("", subtype="message_deleted"),
        app_mention(f"<@{BOT_USER_ID}> how do I reset my password?") | {"edited": {"user": "U0000ASKER", "ts": "1.0"}},
    ]
    for event in ignored:
        assert bot.send_event(event).status == 200
    real = direct_message("How do I reset my password?")
    bot.send_event(real)

    bot.fake.wait_for("chat.postMessage", in_thread(real["channel"], real["ts"]))
    bot.drain()
    assert len(bot.fake.recorded("chat.postMessage")) == 1


def test_a_ratelimited_web_api_call_is_retried_after_retry_after(slack_bot: SlackBotFactory) -> None:
    bot = slack_bot()
    bot.fake.rate_limit("chat.postMessage", times=1, retry_after=0)
    event = app_mention(f"<@{BOT_USER_ID}> how do I request access to a system?")

    bot.send_event(event)

    [answer] = bot.fake.wait_for("chat.postMessage", in_thread(event["channel"], event["ts"]))
    attempts = bot.fake.recorded("chat.postMessage", ok_only=False)
    assert [call.status for call in attempts] == [429, 200]
    assert attempts[1].args["thread_ts"] == event["ts"]
    assert source_sections(answer)


def test_slow_answer_shows_a_looking_reaction_then_removes_it(slack_bot: SlackBotFactory) -> None:
    bot = slack_bot(slack_looking_after=0.0)
    event = app_mention(f"<@{BOT_USER_ID}> what is the expense limit for hotels?")

    bot.send_event(event)

    bot.fake.wait_for("chat.postMessage", in_thread(event["channel"], event["ts"]))
    bot.drain()
    [added] = bot.fake.recorded("reactions.add")
    [removed] = bot.fake.recorded("reactions.remove")
    assert added.args["timestamp"] == removed.args["timestamp"] == event["ts"]
    assert added.at < bot.fake.recorded("chat.postMessage")[0].at <= removed.at


def test_user_flooding_the_bot_gets_one_polite_limit_message(slack_bot: SlackBotFactory) -> None:
    bot = slack_bot(user_rate_limit=2)
    events = [direct_message(f"How do I reset my password? ({n})", user="U0000FLOOD", channel="D0000FLOOD")
              for n in range(5)]

    for event in events:
        bot.send_event(event)

    bot.fake.wait_for("chat.postMessage", count=3)
    bot.drain()
    posts = bot.fake.recorded("chat.postMessage")
    limited = [call for call in posts if "faster than I can" in call.args["text"]]
    assert len(posts) == 3 and len(limited) == 1
    other = direct_message("How do I reset my password?", user="U0000CALM", channel="D0000CALM")
    bot.send_event(other)
    bot.fake.wait_for("chat.postMessage", in_thread("D0000CALM", other["ts"]))
