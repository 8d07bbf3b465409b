"""Regulated questions over the wire: queue post with Claim/Resolve, the asker told in thread, no answer text."""

from __future__ import annotations

import json
import logging

import pytest
import structlog
from structlog.testing import capture_logs

from bot.records.tickets import CLAIMED, OPEN, RESOLVED
from bot.surfaces.slack.queue import ACTION_CLAIM, ACTION_RESOLVE
from tests.fakes.slack_api import BOT_USER_ID, Call
from tests.fakes.slack_events import app_mention, block_action, direct_message
from tests.surfaces.conftest import SlackBot, SlackBotFactory
from tests.surfaces.test_slack_answers import in_thread

QUEUES = ["hr=C0HRQUEUE", "legal=C0LEGALQU", "benefits=C0BENEFIT", "people_partner=C0PEOPLEP", "helpdesk=C0HELPDSK"]
PIP_QUESTION = "my manager put me on a PIP yesterday, should I start looking for another job?"


def escalation_bot(slack_bot: SlackBotFactory) -> SlackBot:
    return slack_bot(queue_slack_channels=QUEUES)


def to_channel(channel: str):  # noqa: ANN201 - a predicate for FakeSlackAPI.wait_for
    return lambda call: call.args.get("channel") == channel


def buttons(call: Call) -> dict[str, str]:
    return {element["action_id"]: element["value"] for block in call.blocks() if block["type"] == "actions"
            for element in block["elements"]}


def all_text(call: Call) -> str:
    return json.dumps(call.blocks()) + call.args.get("text", "")


def ask(bot: SlackBot, question: str, channel: str = "C0000ESCAL") -> tuple[dict, Call, Call]:
    event = app_mention(f"<@{BOT_USER_ID}> {question}", channel=channel)
    bot.send_event(event)
    [reply] = bot.fake.wait_for("chat.postMessage", in_thread(channel, event["ts"]))
    [post] = bot.fake.wait_for("chat.postMessage", to_channel("C0PEOPLEP"))
    return event, reply, post


def click(bot: SlackBot, action: str, post: Call, user: str) -> None:
    value = buttons(post)[action]
    message = {"type": "message", "user": BOT_USER_ID, "ts": post.response["ts"], "text": post.args["text"],
               "blocks": post.blocks()}
    reply = bot.action(block_action(action, value, user=user, channel=post.response["channel"], message=message))
    assert reply.status == 200


def test_escalated_question_goes_to_the_queue_with_buttons_and_the_asker_is_told_in_thread(
        slack_bot: SlackBotFactory) -> None:
    bot = escalation_bot(slack_bot)

    event, reply, post = ask(bot, PIP_QUESTION)
    bot.drain()

    # The asker: the policy's reply only, no runbook text, no sources, no feedback buttons.
    assert "People Partner" in reply.args["text"] and "privately" in reply.args["text"]
    assert "Sources" not in all_text(reply) and buttons(reply) == {}
    # The queue: who asked, a link to the thread, the question, the category, Claim and Resolve.
    text = all_text(post)
    assert f"<@{event['user']}>" in text and PIP_QUESTION.replace("?", "") in text and "Termination" in text
    assert f"archives/C0000ESCAL/p{event['ts'].replace('.', '')}" in text
    assert set(buttons(post)) == {ACTION_CLAIM, ACTION_RESOLVE}
    ticket = bot.services.desk.tickets.get(buttons(post)[ACTION_CLAIM])
    assert ticket is not None and ticket.status == OPEN and ticket.category == "termination"
    assert ticket.conversation == {"channel": "C0000ESCAL", "thread_ts": event["ts"]}


def test_claim_and_resolve_update_the_queue_post_and_tell_the_asker(slack_bot: SlackBotFactory) -> None:
    bot = escalation_bot(slack_bot)
    event, _, post = ask(bot, PIP_QUESTION)
    ticket_id = buttons(post)[ACTION_CLAIM]
    asker_thread = in_thread("C0000ESCAL", event["ts"])

    click(bot, ACTION_CLAIM, post, user="U0PARTNER")

    [claimed] = bot.fake.wait_for("chat.update", lambda call: call.args.get("ts") == post.response["ts"])
    assert "claimed by <@U0PARTNER>" in all_text(claimed) and set(buttons(claimed)) == {ACTION_RESOLVE}
    [_, told] = bot.fake.wait_for("chat.postMessage", asker_thread, count=2)
    assert "<@U0PARTNER>" in told.args["text"] and "People Partner" in told.args["text"]
    bot.drain()
    assert bot.services.desk.tickets.get(ticket_id).status == CLAIMED

    click(bot, ACTION_CLAIM, post, user="U0SOMEONE")  # a stale Claim button, clicked by someone else
    [refused] = bot.fake.wait_for("chat.postEphemeral")
    assert refused.args["user"] == "U0SOMEONE" and "<@U0PARTNER>" in refused.args["text"]

    click(bot, ACTION_RESOLVE, post, user="U0PARTNER")

    [_, resolved] = bot.fake.wait_for("chat.update", lambda call: call.args.get("ts") == post.response["ts"], count=2)
    assert "resolved by <@U0PARTNER>" in all_text(resolved) and buttons(resolved) == {}
    [*_, closing] = bot.fake.wait_for("chat.postMessage", asker_thread, count=3)
    assert "resolved" in closing.args["text"]
    bot.drain()
    stored = bot.services.desk.tickets.get(ticket_id)
    assert stored.status == RESOLVED and stored.resolved_by == "U0PARTNER" and stored.claimed_by == "U0PARTNER"


@pytest.mark.parametrize("message, queue, lead", [
    ("i don't want to live anymore, i think about ending my life every day", "C0HRQUEUE",
     lambda policy: f"{policy.crisis.emergency}\n{policy.crisis.eap}"),
    ("my coworker just collapsed at her desk and isn't responding, what do we do??", "C0BENEFIT",
     lambda policy: policy.categories["medical"].urgent_contact),
])
def test_a_crisis_or_an_emergency_gets_the_contacts_before_anything_else(slack_bot: SlackBotFactory, message: str,
                                                                         queue: str, lead) -> None:  # noqa: ANN001
    bot = escalation_bot(slack_bot)
    event = direct_message(message)

    bot.send_event(event)

    [first] = bot.fake.wait_for("chat.postMessage", in_thread(event["channel"], event["ts"]))
    [queued] = bot.fake.wait_for("chat.postMessage", to_channel(queue))
    bot.drain()
    expected = lead(bot.services.runtime.policy_file)
    assert expected and first.args["text"].startswith(expected)
    posts = [call for call in bot.fake.calls if call.method == "chat.postMessage"]
    assert posts.index(first) == 0 and first.at <= queued.at


def test_the_bot_stays_out_of_a_thread_a_person_has_until_it_is_resolved(slack_bot: SlackBotFactory) -> None:
    bot = escalation_bot(slack_bot)
    event, _, post = ask(bot, PIP_QUESTION)
    thread = in_thread("C0000ESCAL", event["ts"])

    follow_up = app_mention(f"<@{BOT_USER_ID}> also how do I reset my password?", channel="C0000ESCAL",
                            thread_ts=event["ts"])
    bot.send_event(follow_up)
    bot.drain()
    assert len(bot.fake.recorded("chat.postMessage", thread)) == 1

    click(bot, ACTION_RESOLVE, post, user="U0PARTNER")
    bot.fake.wait_for("chat.postMessage", thread, count=2)  # told it was resolved
    bot.drain()
    again = app_mention(f"<@{BOT_USER_ID}> how do I reset my password?", channel="C0000ESCAL", thread_ts=event["ts"])
    bot.send_event(again)
    [*_, answered] = bot.fake.wait_for("chat.postMessage", thread, count=3)
    assert "Sources" in all_text(answered)


def test_the_question_never_reaches_info_logs_or_feedback(slack_bot: SlackBotFactory) -> None:
    bot = escalation_bot(slack_bot)
    secret = "my coworker keeps grabbing my arm and making comments about my body, what should I do?"

    before = structlog.get_config()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.DEBUG))  # see every level
    try:
        with capture_logs() as logs:
            event = app_mention(f"<@{BOT_USER_ID}> {secret}", channel="C0000PRIVT")
            bot.send_event(event)
            bot.fake.wait_for("chat.postMessage", to_channel("C0HRQUEUE"))
            bot.drain()
    finally:
        structlog.configure(**before)

    assert any(entry["event"] == "escalation.opened" for entry in logs)
    leaked = [entry for entry in logs if entry.get("log_level") != "debug" and "grabbing my arm" in json.dumps(entry, default=str)]
    assert leaked == []
    feedback = bot.services.records.table("feedback")
    if feedback is not None:
        assert all("grabbing my arm" not in (row["question"] or "") for row in feedback.to_arrow().to_pylist())


def test_a_claim_button_clicked_outside_the_queue_channel_changes_nothing(slack_bot: SlackBotFactory) -> None:
    bot = escalation_bot(slack_bot)
    _, _, post = ask(bot, PIP_QUESTION)
    ticket_id = buttons(post)[ACTION_CLAIM]
    message = {"type": "message", "user": BOT_USER_ID, "ts": post.response["ts"], "text": post.args["text"],
               "blocks": post.blocks()}

    elsewhere = block_action(ACTION_CLAIM, ticket_id, user="U0OUTSIDER", channel="C0GENERAL", message=message)
    assert bot.action(elsewhere).status == 200

    [refused] = bot.fake.wait_for("chat.postEphemeral")
    assert refused.args["user"] == "U0OUTSIDER" and "Only the queue channel" in refused.args["text"]
    bot.drain()
    assert bot.services.desk.tickets.get(ticket_id).status == OPEN
    assert bot.fake.recorded("chat.update") == [], "the queue post was not touched"
