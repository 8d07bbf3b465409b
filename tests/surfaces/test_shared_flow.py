"""One question flow (bot.conversation.flow) behind both surfaces: the same message, the same treatment.

Slack and Teams used to run their own copies of the flow, and they drifted (Slack apologised for a
failed answer in place of its draft, Teams left it to its turn-error handler; they thanked for
feedback in different words). Each test here sends the same situation through both, over HTTP, and
checks that both answer alike.
"""

from __future__ import annotations

import json

from bot.conversation import wording
from bot.runtime import Runtime
from bot.surfaces.slack.blocks import ACTION_HELPFUL
from tests.fakes.slack_events import block_action, direct_message
from tests.fakes.teams_activities import card_submit, personal_message
from tests.surfaces.conftest import SlackBotFactory, TeamsBotFactory
from tests.surfaces.test_slack_answers import in_thread
from tests.surfaces.test_slack_feedback import as_received, ask, button


def _worker_down(example_runtime: Runtime) -> Runtime:
    """The example index, with questions embedded by a worker that refuses connections (port 9, discard)."""
    settings = example_runtime.settings.model_copy(update={"embed_url": "http://127.0.0.1:9", "embed_retries": 0})
    runtime = Runtime(settings)
    runtime.store = example_runtime.store
    return runtime


def test_a_failed_answer_is_apologised_for_in_the_thread_on_both_surfaces(
        slack_bot: SlackBotFactory, teams_bot: TeamsBotFactory, example_runtime: Runtime) -> None:
    down = _worker_down(example_runtime)
    slack, teams = slack_bot(runtime=down), teams_bot(runtime=down)
    dm = direct_message("How do I reset my password?")
    chat = personal_message(teams.connector_url, "How do I reset my password?")

    slack.send_event(dm)
    teams.send(chat)
    slack.fake.wait_for("chat.postMessage", in_thread(dm["channel"], dm["ts"]))
    teams.connector.wait_for(lambda s: any(m.reply_to_id == chat["id"] for m in teams.connector.messages()))
    slack.drain()
    teams.drain()

    [slack_reply] = slack.fake.recorded("chat.postMessage")
    [teams_reply] = teams.connector.messages()
    assert slack_reply.args["text"] == teams_reply.text == wording.SORRY
    assert teams_reply.reply_to_id == chat["id"]
    assert teams.services.memory.recent(chat["conversation"]["id"]) == []  # a failed question is no context


def test_a_flood_of_questions_gets_one_polite_limit_message_on_both_surfaces(
        slack_bot: SlackBotFactory, teams_bot: TeamsBotFactory) -> None:
    slack, teams = slack_bot(user_rate_limit=2), teams_bot(user_rate_limit=2)

    for n in range(4):
        slack.send_event(direct_message(f"How do I reset my password? ({n})", user="U0000FLOOD", channel="D0000FLOOD"))
        teams.send(personal_message(teams.connector_url, f"How do I reset my password? ({n})", user="29:flood",
                                    aad="aad-flood"))
    slack.fake.wait_for("chat.postMessage", count=3)
    teams.connector.wait_for(lambda s: len(teams.connector.messages()) >= 3)
    slack.drain()
    teams.drain()

    slack_texts = [call.args["text"] for call in slack.fake.recorded("chat.postMessage")]
    teams_texts = [m.text for m in teams.connector.messages()]
    assert len(slack_texts) == len(teams_texts) == 3
    assert slack_texts.count(wording.RATE_LIMITED) == teams_texts.count(wording.RATE_LIMITED) == 1


def test_a_helpful_click_is_thanked_with_the_same_words_on_both_surfaces(slack_bot: SlackBotFactory,
                                                                         teams_bot: TeamsBotFactory) -> None:
    """The thank-you had drifted ("Thanks, glad it helped." in Slack, "Thanks — marked helpful." in Teams)."""
    slack, teams = slack_bot(), teams_bot()
    event, answer = ask(slack, "how do I reset my password?")
    slack.action(block_action(ACTION_HELPFUL, button(answer, ACTION_HELPFUL)["value"], user=event["user"],
                              channel=event["channel"], message=as_received(answer)))
    chat = personal_message(teams.connector_url, "How do I reset my password?")
    teams.send(chat)
    [card] = [m for m in teams.connector.wait_for(lambda s: any(m.cards for m in s)) if m.cards]
    teams.send(card_submit(teams.connector_url, card.cards[0]["actions"][0]["data"], card_id=card.response_id))

    [slack_update] = slack.fake.wait_for("chat.update")
    teams.connector.wait_for(lambda s: bool(teams.connector.updates()))
    slack.drain()
    teams.drain()

    slack_note = json.dumps(slack_update.blocks()[-1], ensure_ascii=False)
    teams_note = [block.get("text", "") for block in teams.connector.updates()[0].cards[0]["body"]][-1]
    assert wording.feedback_thanks(True) in slack_note
    assert teams_note.endswith(wording.feedback_thanks(True))


def test_a_quoted_source_is_not_quoted_again_in_the_source_list_on_both_surfaces(
        slack_bot: SlackBotFactory, teams_bot: TeamsBotFactory) -> None:
    """A snippets answer quotes its first sources in the text; the source list under it used to repeat
    each quote, doubling the message. Sources the text quotes keep their title and link only."""
    slack, teams = slack_bot(), teams_bot()
    _, slack_answer = ask(slack, "how do I reset my password?")
    chat = personal_message(teams.connector_url, "How do I reset my password?")
    teams.send(chat)
    [card] = [m for m in teams.connector.wait_for(lambda s: any(m.cards for m in s)) if m.cards]
    slack.drain()
    teams.drain()

    slack_blocks = [b["text"]["text"] for b in slack_answer.blocks() if b["type"] == "section"]
    slack_text, slack_sources = slack_blocks[0], slack_blocks[1:]
    quoted = slack_text.split("\n> ", 1)[1].split("\n", 1)[0]  # the lead quote
    assert len(quoted) > 40
    assert not any(quoted[:40] in source for source in slack_sources)
    assert slack_sources[0].count("\n") == 0  # title and link only
    body = [block.get("text", "") for block in card.cards[0]["body"]]
    assert sum(quoted[:40] in text for text in body) == 1  # in the answer text, not again under source 1


def test_a_source_the_text_does_not_quote_shows_its_best_sentence_on_both_surfaces(
        slack_bot: SlackBotFactory, teams_bot: TeamsBotFactory) -> None:
    """The one line under a source was its quote's opening, often the context the quote starts with
    (a table's header row); it is now the sentence the quote was built around."""
    hint, opening = "Office Wi-Fi — No password", "Password — How to reset"
    slack, teams = slack_bot(), teams_bot()
    _, slack_answer = ask(slack, "wifi password for guests?")
    teams.send(personal_message(teams.connector_url, "wifi password for guests?"))
    [card] = [m for m in teams.connector.wait_for(lambda s: any(m.cards for m in s)) if m.cards]
    slack.drain()
    teams.drain()

    slack_sources = [b["text"]["text"] for b in slack_answer.blocks() if b["type"] == "section"][1:]
    [password_page] = [source for source in slack_sources if "Password Reset" in source]
    assert password_page.split("\n")[1].startswith(hint) and opening not in password_page
    body = [block.get("text", "") for block in card.cards[0]["body"]]
    assert any(text.startswith(hint) for text in body) and not any(text.startswith(opening) for text in body)
