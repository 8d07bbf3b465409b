"""Teams, "not helpful" → "Ask a person", over the wire: the redrawn answer card offers a person, the
asker's click opens exactly one ticket in the queue (a Teams channel through the fake connector, or a
Slack channel through the fake Slack API) and the card shows what happens next."""

from __future__ import annotations

from typing import Any

from bot.conversation.wording import ALREADY_PASSED
from bot.records.tickets import Ticket
from tests.fakes.teams_activities import card_submit, card_submit_in_channel, channel_mention, personal_message
from tests.fakes.teams_connector import Sent
from tests.surfaces.conftest import SlackBot, TeamsBot, TeamsBotFactory
from tests.surfaces.test_teams_escalation import both, button, card_text, told  # noqa: F401 - `both` is a fixture

HELP_QUEUE = "19:it-people-help@thread.tacv2"
QUEUES = [f"helpdesk={HELP_QUEUE}"]
GENERAL = "19:general@thread.tacv2"
NOT_HELPFUL, ASK = "👎 Not helpful", "🙋 Ask a person"


def answer_to(bot: TeamsBot, question: dict) -> Sent:
    sent = bot.connector.wait_for(lambda s: any(m.reply_to_id == question["id"] and m.cards for m in s))
    return next(m for m in sent if m.reply_to_id == question["id"] and m.cards)


def queue_posts(bot: TeamsBot) -> list[Sent]:
    return [s for s in bot.connector.messages() if s.conversation_id == HELP_QUEUE and s.cards]


def latest_card(bot: TeamsBot, card: Sent, contains: str) -> dict[str, Any]:
    """The card `card` became once an update (PUT) containing `contains` was recorded."""
    sent = bot.connector.wait_for(lambda s: any(x.updated == card.response_id and contains in card_text(x.cards[0])
                                                for x in s))
    return [x for x in sent if x.updated == card.response_id][-1].cards[0]


def in_thread(bot: TeamsBot, question: dict, card: Sent, value: dict, **who: str) -> dict:
    """A button on `card` (the bot's reply in the thread of `question`) pressed by `who`; the click's activity."""
    activity = card_submit_in_channel(bot.connector_url, value, card.response_id, channel=GENERAL,
                                      root=question["id"], **who)
    assert bot.send(activity) in (200, 201, 202)
    return activity


ASKER = {"user": "29:user-2", "aad": "aad-user-2", "name": "Test User"}
"""Who `channel_mention` posts as."""


def answered_in_channel(bot: TeamsBot, text: str) -> tuple[dict, Sent]:
    question = channel_mention(bot.connector_url, text)
    bot.send(question)
    return question, answer_to(bot, question)


def offered_in_channel(bot: TeamsBot, text: str, **who: str) -> tuple[dict, Sent, dict]:
    """A channel question answered and marked not helpful by `who`: the question, its card, the offer's data."""
    question, answer = answered_in_channel(bot, text)
    in_thread(bot, question, answer, button(answer.cards[0], NOT_HELPFUL), **who)
    return question, answer, button(latest_card(bot, answer, "pass your question to a person"), ASK)


def offered_in_chat(bot: TeamsBot, text: str) -> tuple[dict, Sent, dict]:
    """A personal-chat question answered and marked not helpful: the question, its answer card, the offer's data."""
    question = personal_message(bot.connector_url, text)
    bot.send(question)
    answer = answer_to(bot, question)
    bot.send(card_submit(bot.connector_url, button(answer.cards[0], NOT_HELPFUL), card_id=answer.response_id))
    return question, answer, button(latest_card(bot, answer, "pass your question to a person"), ASK)


def tickets_for(bot: TeamsBot, question: dict) -> list[Ticket]:
    return [t for t in bot.services.desk.tickets.list() if t.conversation.get("thread_ts") == question["id"]]


def test_not_helpful_in_a_channel_offers_a_person_and_the_askers_click_opens_one_ticket(
        teams_bot: TeamsBotFactory) -> None:
    bot = teams_bot(queue_teams_channels=QUEUES)
    question, answer = answered_in_channel(bot, "How do I set up the VPN on my laptop?")

    in_thread(bot, question, answer, button(answer.cards[0], NOT_HELPFUL), **ASKER)
    offered = latest_card(bot, answer, "pass your question to a person")
    assert [a["title"] for a in offered["actions"]] == [ASK], "the feedback buttons gave way to the offer"
    assert "marked not helpful" in card_text(offered)

    click = in_thread(bot, question, answer, button(offered, ASK), **ASKER)
    done = latest_card(bot, answer, "passed your question to the IT & People help team")
    bot.drain()

    assert "actions" not in done, "nothing left to click once it is handed over"
    [post] = queue_posts(bot)
    assert "How do I set up the VPN on my laptop?" in card_text(post.cards[0])
    assert "asked for a person after an answer didn't help" in card_text(post.cards[0])
    [ticket] = tickets_for(bot, question)
    assert (ticket.surface, ticket.user, ticket.reason) == ("teams", "aad-user-2", "not_helpful")
    assert ticket.queue == "helpdesk", "the policy file's default queue for 'ask a person'"
    assert ticket.question == "How do I set up the VPN on my laptop?"
    assert ticket.conversation["conversation_id"] == f"{GENERAL};messageid={question['id']}", "the asker's thread"
    assert ticket.link.startswith("https://teams.microsoft.com/l/message/")

    # The queue claims it: the asker hears it in their thread, through the desk's usual path.
    claim = card_submit_in_channel(bot.connector_url, button(post.cards[0], "Claim"), post.response_id,
                                   channel=HELP_QUEUE)
    bot.send(claim)
    bot.connector.wait_for(told(click, "has picked up your question"))
    bot.drain()


def test_a_second_ask_a_person_click_opens_no_second_ticket(teams_bot: TeamsBotFactory) -> None:
    bot = teams_bot(queue_teams_channels=QUEUES)
    question, answer, ask = offered_in_channel(bot, "how do I request a new laptop?", **ASKER)

    in_thread(bot, question, answer, ask, **ASKER)
    latest_card(bot, answer, "passed your question")
    in_thread(bot, question, answer, ask, **ASKER)  # an old copy of the card, a double click
    latest_card(bot, answer, ALREADY_PASSED)
    bot.drain()

    assert len(tickets_for(bot, question)) == 1
    assert len(queue_posts(bot)) == 1


def test_someone_else_than_the_asker_cannot_hand_the_question_over(teams_bot: TeamsBotFactory) -> None:
    bot = teams_bot(queue_teams_channels=QUEUES)
    colleague = {"user": "29:user-3", "aad": "aad-user-3", "name": "Colleague"}
    # Anyone may give feedback; the offer it brings stays the asker's.
    question, answer, ask = offered_in_channel(bot, "where do I report a phishing email?", **colleague)

    refused = in_thread(bot, question, answer, ask, **colleague)
    bot.connector.wait_for(lambda s: any(m.reply_to_id == refused["id"] and "Only the person who asked" in m.text
                                         for m in s))
    bot.drain()
    assert tickets_for(bot, question) == [] and queue_posts(bot) == []

    in_thread(bot, question, answer, ask, **ASKER)  # the offer still works for the asker
    latest_card(bot, answer, "passed your question")
    bot.drain()
    assert [t.user for t in tickets_for(bot, question)] == ["aad-user-2"]


def test_not_helpful_in_a_personal_chat_reaches_a_person_and_the_asker_in_their_chat(
        teams_bot: TeamsBotFactory) -> None:
    bot = teams_bot(queue_teams_channels=QUEUES)
    question, answer, ask = offered_in_chat(bot, "How do I reset my password?")

    click = card_submit(bot.connector_url, ask, card_id=answer.response_id)
    bot.send(click)
    latest_card(bot, answer, "passed your question to the IT & People help team")
    bot.drain()
    [post] = queue_posts(bot)

    [ticket] = [t for t in bot.services.desk.tickets.list() if t.conversation.get("activity_id") == click["id"]]
    assert ticket.conversation["conversation_type"] == "personal" and ticket.user == "aad-user-1"
    assert "open the conversation" not in card_text(post.cards[0]), "a queue member cannot open someone's chat"
    bot.send(card_submit_in_channel(bot.connector_url, button(post.cards[0], "Claim"), post.response_id,
                                    channel=HELP_QUEUE))
    bot.connector.wait_for(lambda s: any(m.conversation_id == question["conversation"]["id"]
                                         and "has picked up your question" in m.text for m in s))
    bot.drain()


def test_without_queues_the_asker_is_told_so_and_may_try_again_later(teams_bot: TeamsBotFactory) -> None:
    bot = teams_bot(policy_enabled=False)
    _, answer, ask = offered_in_chat(bot, "How do I set up the VPN?")

    for tries in (1, 2):
        bot.send(card_submit(bot.connector_url, ask, card_id=answer.response_id))
        bot.connector.wait_for(lambda s: sum("no help queues are set up" in m.text for m in s) == tries)
    bot.drain()
    assert not any(ALREADY_PASSED in m.text for m in bot.connector.messages()), "nothing was handed over to repeat"


def test_ask_a_person_in_teams_goes_to_the_queue_where_it_lives_in_slack(both: tuple[TeamsBot, SlackBot]) -> None:
    bot, slack = both  # the helpdesk queue has only its Slack channel (the policy file's #kb-queue-help)
    _, answer, ask = offered_in_chat(bot, "how do I connect to the VPN?")

    bot.send(card_submit(bot.connector_url, ask, card_id=answer.response_id))

    [post] = slack.fake.wait_for("chat.postMessage", lambda call: call.args.get("channel") == "#kb-queue-help")
    assert "how do I connect to the VPN?" in str(post.blocks())
    latest_card(bot, answer, "passed your question to the IT & People help team")
    bot.drain()
    slack.drain()


def test_when_the_answer_card_cannot_be_redrawn_the_offer_comes_as_its_own_card(teams_bot: TeamsBotFactory) -> None:
    bot = teams_bot(queue_teams_channels=QUEUES)
    question = personal_message(bot.connector_url, "how do I request a new laptop?")
    bot.send(question)
    answer = answer_to(bot, question)

    bot.send(card_submit(bot.connector_url, button(answer.cards[0], NOT_HELPFUL)))  # no replyToId: nothing to update
    sent = bot.connector.wait_for(lambda s: any(m.cards and ASK in str(m.cards[0].get("actions")) for m in s))
    offer = next(m for m in sent if m.cards and ASK in str(m.cards[0].get("actions")))
    assert any("marked not helpful" in m.text for m in sent)

    bot.send(card_submit(bot.connector_url, button(offer.cards[0], ASK), card_id=offer.response_id))
    latest_card(bot, offer, "passed your question to the IT & People help team")
    bot.drain()
    assert len(queue_posts(bot)) == 1
