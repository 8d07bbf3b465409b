"""Escalations in Teams, over the wire: the queue card with Claim/Resolve, updates in place (PUT), the
asker told in their thread (a proactive message from the stored reference), and Slack ↔ Teams queues."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import SecretStr

from bot.conversation.services import ChatServices
from bot.records.tickets import CLAIMED, OPEN, RESOLVED
from bot.runtime import Runtime
from bot.server import build_app
from bot.surfaces.slack.surface import SlackSurface
from bot.surfaces.teams.surface import TeamsSurface
from tests.fakes.aio import LoopThread
from tests.fakes.slack_api import BOT_TOKEN, BOT_USER_ID, FakeSlackAPI
from tests.fakes.slack_events import SIGNING_SECRET, app_mention
from tests.fakes.teams_activities import (card_submit, card_submit_in_channel, channel_mention, channel_reply,
                                         personal_message)
from tests.fakes.teams_connector import FakeConnector, Sent
from tests.surfaces.conftest import SlackBot, TeamsBot, TeamsBotFactory
from tests.surfaces.test_slack_answers import in_thread

QUEUE = "19:people-partner@thread.tacv2"
QUEUES = [f"people_partner={QUEUE}", "hr=19:hr@thread.tacv2"]
PIP_QUESTION = "my manager put me on a PIP yesterday, should I start looking for another job?"


def queue_cards(sent: list[Sent]) -> list[Sent]:
    return [s for s in sent if s.conversation_id == QUEUE and s.method == "POST" and s.cards]


def card_text(card: dict[str, Any]) -> str:
    return json.dumps(card["body"])


def button(card: dict[str, Any], title: str) -> dict[str, Any]:
    return next(action["data"] for action in card.get("actions", []) if action["title"] == title)


def ask(bot: TeamsBot, question: str = PIP_QUESTION) -> tuple[dict, Sent]:
    activity = channel_mention(bot.connector_url, question)
    bot.send(activity)
    sent = bot.connector.wait_for(lambda s: bool(queue_cards(s)))
    return activity, queue_cards(sent)[0]


def click(bot: TeamsBot, post: Sent, title: str, *, service_url: str | None = None) -> dict:
    data = button(post.cards[0], title)
    activity = card_submit_in_channel(service_url or bot.connector_url, data, post.response_id, channel=QUEUE)
    assert bot.send(activity) in (200, 201, 202)
    return activity


def update_of(post: Sent, status: str):  # noqa: ANN201 - a predicate for FakeConnector.wait_for
    return lambda sent: any(s.method == "PUT" and s.reply_to_id == post.response_id and status in card_text(s.cards[0])
                            for s in sent)


def told(activity: dict, words: str):  # noqa: ANN201 - a predicate for FakeConnector.wait_for
    return lambda sent: any(s.method == "POST" and s.conversation_id == activity["conversation"]["id"]
                            and s.reply_to_id == activity["id"] and words in s.text for s in sent)


def test_escalated_question_gets_the_policy_reply_and_a_card_in_the_queue_channel(teams_bot: TeamsBotFactory) -> None:
    bot = teams_bot(queue_teams_channels=QUEUES)

    activity, post = ask(bot)
    bot.drain()

    # The asker: the policy's text in their thread; no runbook card, no sources, no buttons.
    [reply] = [s for s in bot.connector.messages() if s.reply_to_id == activity["id"]]
    assert "People Partner" in reply.text and "follow up" in reply.text and not reply.cards
    # The queue: who asked, a link to the thread, the question, the category, Claim and Resolve.
    card = post.cards[0]
    text = card_text(card)
    assert "Test User" in text and "another job" in text and "Termination" in text
    assert "https://teams.microsoft.com/l/message/19%3Ageneral%40thread.tacv2/" in text
    assert [a["title"] for a in card["actions"]] == ["Claim", "Resolve"]
    ticket = bot.services.desk.tickets.get(button(card, "Claim")["ticket"])
    assert ticket is not None and ticket.status == OPEN and ticket.category == "termination" and ticket.surface == "teams"
    assert ticket.user == "aad-user-2"
    # What reaching the asker after a restart needs is in the ticket, not in memory.
    assert ticket.conversation["service_url"] == bot.connector_url
    assert ticket.conversation["activity_id"] == activity["id"] and ticket.conversation["tenant"] == "tenant-0000"


def test_claim_and_resolve_update_the_card_in_place_and_tell_the_asker(teams_bot: TeamsBotFactory) -> None:
    bot = teams_bot(queue_teams_channels=QUEUES)
    activity, post = ask(bot)
    ticket_id = button(post.cards[0], "Claim")["ticket"]

    click(bot, post, "Claim")
    sent = bot.connector.wait_for(lambda s: update_of(post, "claimed by Quinn Queue")(s)
                                  and told(activity, "Quinn Queue from the People Partner team has picked up")(s))
    claimed = [s for s in sent if s.method == "PUT"][-1]
    assert [a["title"] for a in claimed.cards[0]["actions"]] == ["Resolve"]
    assert claimed.conversation_id == QUEUE
    assert bot.services.desk.tickets.get(ticket_id).status == CLAIMED

    click(bot, post, "Resolve")
    sent = bot.connector.wait_for(lambda s: update_of(post, "resolved by Quinn Queue")(s)
                                  and told(activity, "marked your question as resolved")(s))
    resolved = [s for s in sent if s.method == "PUT"][-1]
    assert "actions" not in resolved.cards[0]
    ticket = bot.services.desk.tickets.get(ticket_id)
    assert ticket.status == RESOLVED and ticket.claimed_by == "Quinn Queue" and ticket.resolved_by == "Quinn Queue"

    again = click(bot, post, "Resolve")  # an old card's button: the clicker hears why nothing happened
    bot.connector.wait_for(lambda s: any(m.reply_to_id == again["id"] and "already resolved" in m.text for m in s))
    bot.drain()


def test_the_bot_stays_out_of_an_escalated_thread_until_it_is_resolved(teams_bot: TeamsBotFactory) -> None:
    bot = teams_bot(queue_teams_channels=QUEUES)
    activity, post = ask(bot)

    quiet = channel_reply(bot.connector_url, "how do I reset my password?", activity["id"])
    bot.send(quiet)
    bot.drain()
    assert not [s for s in bot.connector.sent if s.reply_to_id == quiet["id"]]

    click(bot, post, "Resolve")
    bot.connector.wait_for(told(activity, "resolved"))
    later = channel_reply(bot.connector_url, "how do I reset my password?", activity["id"])
    bot.send(later)
    bot.connector.wait_for(lambda s: any(m.reply_to_id == later["id"] and m.cards for m in s))
    bot.drain()


def test_a_claim_after_a_restart_still_reaches_the_asker(teams_bot: TeamsBotFactory) -> None:
    before = teams_bot(queue_teams_channels=QUEUES)
    activity, post = ask(before, "I got a final written warning today, am I about to be fired?")
    before.drain()

    after = teams_bot(queue_teams_channels=QUEUES)  # a new process: new surface, desk and memory; the same index
    data = button(post.cards[0], "Claim")
    after.send(card_submit_in_channel(before.connector_url, data, post.response_id, channel=QUEUE))

    before.connector.wait_for(lambda s: told(activity, "has picked up your question")(s)
                              and any(x.method == "PUT" and x.reply_to_id == post.response_id for x in s))
    after.drain()


def test_personal_chat_escalation_reaches_the_asker_in_their_chat(teams_bot: TeamsBotFactory) -> None:
    bot = teams_bot(queue_teams_channels=QUEUES)
    question = personal_message(bot.connector_url, PIP_QUESTION)
    bot.send(question)
    post = queue_cards(bot.connector.wait_for(lambda s: bool(queue_cards(s))))[0]
    assert "open the conversation" not in card_text(post.cards[0]), "a queue member cannot open someone's chat"

    click(bot, post, "Claim")
    bot.connector.wait_for(told(question, "has picked up your question"))
    bot.drain()


# -- one queue, two platforms ------------------------------------------------------------------------------
@pytest.fixture()
def both(example_runtime: Runtime) -> Iterator[tuple[TeamsBot, SlackBot]]:
    """Slack and Teams on one server and one escalation desk, as `kb serve` runs them."""
    with LoopThread() as loop:
        slack_api, connector = FakeSlackAPI(), FakeConnector()
        slack_url, connector_url = loop.serve(slack_api.app()), loop.serve(connector.app())
        settings = example_runtime.settings.model_copy(update={
            "slack_bot_token": SecretStr(BOT_TOKEN), "slack_signing_secret": SecretStr(SIGNING_SECRET),
            "slack_app_token": None, "slack_api_url": f"{slack_url}/api/", "microsoft_app_id": "", "mode": "development",
            "microsoft_app_password": None, "microsoft_app_tenant_id": "",
            "teams_service_url": connector_url, "queue_teams_channels": QUEUES, "queue_slack_channels": []})
        rt = Runtime(settings)
        rt.store, rt.embedder = example_runtime.store, example_runtime.embedder
        chat = ChatServices(rt)

        async def make() -> tuple[SlackSurface, TeamsSurface]:
            return SlackSurface(chat), TeamsSurface(chat)

        slack, teams = loop.run(make())
        url = loop.serve(build_app(rt, surfaces=[slack, teams]))
        yield TeamsBot(url, connector, connector_url, teams, chat, loop), SlackBot(url, slack_api, slack, chat, loop)


def test_slack_question_for_a_teams_only_queue_is_claimed_in_teams_and_answered_in_slack(
        both: tuple[TeamsBot, SlackBot]) -> None:
    bot, slack = both
    event = app_mention(f"<@{BOT_USER_ID}> {PIP_QUESTION}", channel="C0000ESCAL")
    slack.send_event(event)
    post = queue_cards(bot.connector.wait_for(lambda s: bool(queue_cards(s))))[0]
    assert "Slack user" in card_text(post.cards[0]) and "(in Slack)" in card_text(post.cards[0])

    click(bot, post, "Claim")
    bot.connector.wait_for(update_of(post, "claimed by Quinn Queue"))
    told_in_slack = slack.fake.wait_for("chat.postMessage", lambda call: "Quinn Queue from the People Partner team"
                                       in call.args.get("text", ""))
    assert in_thread("C0000ESCAL", event["ts"])(told_in_slack[0])
    slack.drain()
    bot.drain()


def test_a_claim_value_sent_from_outside_the_queue_channel_changes_nothing(teams_bot: TeamsBotFactory) -> None:
    bot = teams_bot(queue_teams_channels=QUEUES)
    _, post = ask(bot)
    ticket_id = button(post.cards[0], "Claim")["ticket"]

    crafted = card_submit(bot.connector_url, button(post.cards[0], "Claim"))  # the same value, from a personal chat
    assert bot.send(crafted) in (200, 201, 202)
    bot.drain()

    assert bot.services.desk.tickets.get(ticket_id).status == OPEN
    assert not [s for s in bot.connector.sent if s.method == "PUT"], "the queue card was not touched"
    assert any("Only the queue channel" in s.text for s in bot.connector.messages())
