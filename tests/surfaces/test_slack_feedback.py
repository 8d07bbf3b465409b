"""Feedback buttons over the wire: stored with question, answer and cited documents; escalation offered."""

from __future__ import annotations

import json

from bot.conversation.wording import ALREADY_PASSED, NOT_THE_ASKER
from bot.handover import EscalationOutcome, EscalationRequest
from bot.surfaces.slack.blocks import ACTION_ESCALATE, ACTION_HELPFUL, ACTION_NOT_HELPFUL, BLOCK_FEEDBACK
from tests.fakes.slack_api import BOT_USER_ID, Call
from tests.fakes.slack_events import app_mention, block_action
from tests.surfaces.conftest import SlackBot, SlackBotFactory
from tests.surfaces.test_slack_answers import in_thread


def ask(bot: SlackBot, question: str) -> tuple[dict, Call]:
    event = app_mention(f"<@{BOT_USER_ID}> {question}", channel="C0000FEEDB")
    bot.send_event(event)
    [answer] = bot.fake.wait_for("chat.postMessage", in_thread(event["channel"], event["ts"]))
    return event, answer


def button(answer: Call, action_id: str) -> dict:
    return next(element for block in answer.blocks() if block["type"] == "actions" for element in block["elements"]
                if element["action_id"] == action_id)


def as_received(answer: Call) -> dict:
    """The answer message as Slack includes it in a block_actions payload."""
    return {"type": "message", "user": BOT_USER_ID, "ts": answer.response["ts"], "thread_ts": answer.args["thread_ts"],
            "text": answer.args["text"], "blocks": answer.blocks()}


def test_helpful_click_is_stored_with_question_answer_and_cited_documents(slack_bot: SlackBotFactory) -> None:
    bot = slack_bot()
    event, answer = ask(bot, "how do I reset my password?")
    value = button(answer, ACTION_HELPFUL)["value"]

    reply = bot.action(block_action(ACTION_HELPFUL, value, user=event["user"], channel=event["channel"],
                                    message=as_received(answer)))

    assert reply.status == 200
    [update] = bot.fake.wait_for("chat.update")
    bot.drain()
    answer_id = json.loads(value)["a"]
    [stored] = bot.services.feedback.for_answer(answer_id)
    assert stored.helpful is True and stored.user == event["user"] and stored.surface == "slack"
    assert stored.question == "how do I reset my password?"
    assert stored.answer == answer.args["text"]
    assert any(doc_id.endswith("it/password-reset.md") for doc_id in stored.doc_ids)
    assert update.args["ts"] == answer.response["ts"]
    assert all(block.get("block_id") != BLOCK_FEEDBACK for block in update.blocks())
    assert bot.fake.recorded("chat.postEphemeral") == []


class RecordingEscalator:
    """An escalation hook that accepts everything and remembers what it was handed."""

    def __init__(self) -> None:
        self.requests: list[EscalationRequest] = []

    def escalate(self, request: EscalationRequest) -> EscalationOutcome:
        self.requests.append(request)
        return EscalationOutcome(accepted=True, message="Passed to the People team (ticket T-1).", ticket_id="T-1")


def not_helpful(bot: SlackBot, event: dict, answer: Call) -> Call:
    """Click "Not helpful" on `answer` as the asker; the private offer that follows."""
    bot.action(block_action(ACTION_NOT_HELPFUL, button(answer, ACTION_NOT_HELPFUL)["value"], user=event["user"],
                            channel=event["channel"], message=as_received(answer)))
    [offer] = bot.fake.wait_for("chat.postEphemeral")
    return offer


def ask_a_person(bot: SlackBot, event: dict, offer: Call) -> None:
    """Click the offer's "Ask a person" (an ephemeral message in the question's thread) as the asker."""
    bot.action(block_action(ACTION_ESCALATE, button(offer, ACTION_ESCALATE)["value"], user=event["user"],
                            channel=event["channel"],
                            container={"type": "message", "message_ts": offer.response["message_ts"],
                                       "channel_id": event["channel"], "is_ephemeral": True, "thread_ts": event["ts"]}))


def test_not_helpful_offers_escalation_and_the_hook_gets_the_question(slack_bot: SlackBotFactory) -> None:
    hook = RecordingEscalator()
    bot = slack_bot(services={"escalator": hook})
    event, answer = ask(bot, "what does the employee assistance program offer?")
    value = button(answer, ACTION_NOT_HELPFUL)["value"]

    offer = not_helpful(bot, event, answer)

    assert offer.args["user"] == event["user"] and offer.args["thread_ts"] == event["ts"]
    bot.drain()
    [stored] = bot.services.feedback.for_answer(json.loads(value)["a"])
    assert stored.helpful is False

    ask_a_person(bot, event, offer)

    [_, told] = bot.fake.wait_for("chat.postEphemeral", count=2)
    assert told.args["text"] == "Passed to the People team (ticket T-1)." and told.args["thread_ts"] == event["ts"]
    [request] = hook.requests
    assert (request.surface, request.user, request.reason) == ("slack", event["user"], "not_helpful")
    assert request.question == "what does the employee assistance program offer?"
    assert request.answer == answer.args["text"] and request.doc_ids == stored.doc_ids
    assert request.conversation == {"channel": event["channel"], "thread_ts": event["ts"]}


def test_a_second_ask_a_person_click_hands_nothing_over_twice(slack_bot: SlackBotFactory) -> None:
    hook = RecordingEscalator()
    bot = slack_bot(services={"escalator": hook})
    event, answer = ask(bot, "how do I request a new laptop?")
    offer = not_helpful(bot, event, answer)

    for _ in range(2):  # Slack leaves the ephemeral offer's button live after the first click
        ask_a_person(bot, event, offer)
    [_, first, second] = bot.fake.wait_for("chat.postEphemeral", count=3)
    bot.drain()

    assert len(hook.requests) == 1
    assert {first.args["text"], second.args["text"]} == {"Passed to the People team (ticket T-1).", ALREADY_PASSED}


def test_changing_ones_mind_overwrites_instead_of_double_counting(slack_bot: SlackBotFactory) -> None:
    bot = slack_bot()
    event, answer = ask(bot, "how do I connect to the VPN?")
    value = button(answer, ACTION_HELPFUL)["value"]

    for clicks, action in enumerate((ACTION_HELPFUL, ACTION_HELPFUL, ACTION_NOT_HELPFUL), start=1):
        bot.action(block_action(action, value, user=event["user"], channel=event["channel"], message=as_received(answer)))
        bot.fake.wait_for("chat.update", count=clicks)  # stored before the message is updated: clicks stay in order
    bot.fake.wait_for("chat.postEphemeral")
    bot.drain()

    [stored] = bot.services.feedback.for_answer(json.loads(value)["a"])
    assert stored.helpful is False


def test_a_forged_or_broken_button_value_is_ignored(slack_bot: SlackBotFactory) -> None:
    bot = slack_bot()

    reply = bot.action(block_action(ACTION_HELPFUL, "not json", user="U0000ASKER", channel="C0000FEEDB"))

    assert reply.status == 200
    bot.drain()
    assert bot.fake.recorded("chat.update") == [] and bot.fake.recorded("chat.postEphemeral") == []


def test_a_bystander_in_the_channel_cannot_hand_the_askers_question_to_a_person(slack_bot: SlackBotFactory) -> None:
    hook = RecordingEscalator()
    bot = slack_bot(services={"escalator": hook})
    event, answer = ask(bot, "what does the employee assistance program offer?")
    value = button(answer, ACTION_NOT_HELPFUL)["value"]

    bot.action(block_action(ACTION_NOT_HELPFUL, value, user="U0BYSTANDR", channel=event["channel"],
                            message=as_received(answer)))
    bot.fake.wait_for("chat.update")
    bot.drain()

    [stored] = bot.services.feedback.for_answer(json.loads(value)["a"])
    assert stored.user == "U0BYSTANDR" and stored.helpful is False  # the verdict counts
    assert bot.fake.recorded("chat.postEphemeral") == []  # but no offer: the question is not theirs

    offer = not_helpful(bot, event, answer)  # the asker gets the offer; a bystander replaying its button is refused
    bot.action(block_action(ACTION_ESCALATE, button(offer, ACTION_ESCALATE)["value"], user="U0BYSTANDR",
                            channel=event["channel"], container={"type": "message", "channel_id": event["channel"],
                                                                 "is_ephemeral": True, "thread_ts": event["ts"]}))
    [_, refused] = bot.fake.wait_for("chat.postEphemeral", count=2)
    bot.drain()

    assert refused.args["user"] == "U0BYSTANDR" and refused.args["text"] == NOT_THE_ASKER
    assert hook.requests == []
