"""Teams, wire-level: the real server on a local port, real Bot Framework activity JSON POSTed to
/api/messages, and replies captured by a fake connector at the activity's serviceUrl.

Nothing in between is replaced: botbuilder's CloudAdapter authenticates (anonymously, as with an
empty MICROSOFT_APP_ID) and its ConnectorClient sends the replies over HTTP.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import SecretStr

from bot.runtime import Runtime
from tests.fakes.teams_activities import BOT_ID, card_submit, channel_mention, channel_reply, personal_message
from tests.fakes.teams_connector import Sent
from tests.surfaces.conftest import TEAMS_ADMIN_AAD as ADMIN_AAD
from tests.surfaces.conftest import TeamsBot, TeamsBotFactory


def record_queries(bot: TeamsBot) -> list[str]:
    """What retrieval is asked, in order: a spy that still calls the real retriever."""
    retriever = bot.services.runtime.answers.retriever
    search, queries = retriever.search, []

    def spy(query: str, *args: Any, **kwargs: Any) -> Any:
        queries.append(query)
        return search(query, *args, **kwargs)

    retriever.search = spy  # type: ignore[method-assign]
    return queries

def _answers(sent: list[Sent]) -> list[Sent]:
    return [s for s in sent if s.cards]


def test_personal_message_is_answered_with_one_card_citing_the_runbooks(teams_bot: TeamsBotFactory) -> None:
    bot = teams_bot()
    activity = personal_message(bot.connector_url, "How do I reset my password?")

    assert bot.send(activity) in (200, 201, 202)
    sent = bot.connector.wait_for(lambda s: bool(_answers(s)))
    bot.drain()

    answers = _answers(bot.connector.sent)
    assert len(answers) == 1
    assert any(s.type == "typing" for s in sent), "a typing indicator comes before the answer"
    assert [s.type for s in bot.connector.sent].index("typing") < bot.connector.sent.index(answers[0])
    card = answers[0].cards[0]
    assert card["type"] == "AdaptiveCard"
    texts = " ".join(block.get("text", "") for block in card["body"])
    assert "Sources" in texts
    assert "examples/runbooks" in texts or "runbooks" in texts
    assert "1. [" in texts
    titles = [a["title"] for a in card["actions"]]
    assert len(titles) == 2 and "Helpful" in titles[0]
    assert answers[0].reply_to_id == activity["id"]
    assert answers[0].conversation_id == activity["conversation"]["id"]


def test_feedback_button_stores_feedback_and_replaces_the_buttons_in_place(teams_bot: TeamsBotFactory) -> None:
    bot = teams_bot()
    bot.send(personal_message(bot.connector_url, "How do I set up the VPN?"))
    [answer] = _answers(bot.connector.wait_for(lambda s: bool(_answers(s))))
    data = answer.cards[0]["actions"][1]["data"]

    assert bot.send(card_submit(bot.connector_url, data, card_id=answer.response_id)) in (200, 201, 202)
    bot.connector.wait_for(lambda s: any(x.method == "PUT" for x in s))
    [update] = bot.connector.updates()
    bot.drain()

    stored = bot.services.feedback.for_answer(data["answer_id"])
    assert len(stored) == 1
    assert stored[0].surface == "teams" and stored[0].helpful is False and stored[0].user == "aad-user-1"
    assert stored[0].doc_ids == data["doc_ids"]
    # The card is updated in place (PUT on the card's id), the feedback buttons gone (the "not helpful"
    # verdict leaves the offer of a person in their place), the sources still there.
    assert update.reply_to_id == answer.response_id and update.conversation_id == answer.conversation_id
    card = update.cards[0]
    assert [action["title"] for action in card["actions"]] == ["🙋 Ask a person"]
    texts = [block.get("text", "") for block in card["body"]]
    assert any("marked not helpful" in text for text in texts)
    assert texts[: len(answer.cards[0]["body"])] == [block.get("text", "") for block in answer.cards[0]["body"]]
    assert len(bot.connector.messages()) == 1, "no separate thank-you message when the card could be updated"


def test_feedback_without_a_card_to_update_is_thanked_in_a_message(teams_bot: TeamsBotFactory) -> None:
    bot = teams_bot()
    bot.send(personal_message(bot.connector_url, "How do I set up the VPN?"))
    [answer] = _answers(bot.connector.wait_for(lambda s: bool(_answers(s))))

    bot.send(card_submit(bot.connector_url, answer.cards[0]["actions"][0]["data"]))  # no replyToId
    bot.connector.wait_for(lambda s: any("marked helpful" in m.text for m in s))
    bot.drain()
    assert bot.connector.updates() == []


def test_channel_mention_gets_a_threaded_reply_without_the_mention(teams_bot: TeamsBotFactory) -> None:
    bot = teams_bot()
    activity = channel_mention(bot.connector_url, "how do I request a new laptop?")

    bot.send(activity)
    sent = bot.connector.wait_for(lambda s: bool(_answers(s)))
    bot.drain()

    answer = _answers(sent)[0]
    assert answer.reply_to_id == activity["id"]
    assert answer.conversation_id == "19:general@thread.tacv2"
    assert "<at>" not in json.dumps(answer.activity)


def test_help_is_a_text_command(teams_bot: TeamsBotFactory) -> None:
    bot = teams_bot()
    bot.send(channel_mention(bot.connector_url, "help"))
    sent = bot.connector.wait_for(lambda s: any("reindex" in m.text for m in s))
    bot.drain()
    assert not _answers(sent)


def test_status_reports_the_index(teams_bot: TeamsBotFactory) -> None:
    bot = teams_bot()
    bot.send(personal_message(bot.connector_url, "status"))
    sent = bot.connector.wait_for(lambda s: any("Index:" in m.text for m in s))
    bot.drain()
    assert "documents" in next(m.text for m in sent if "Index:" in m.text)


def test_reindex_from_a_non_admin_is_refused(teams_bot: TeamsBotFactory, corpus_runtime: Runtime) -> None:
    bot = teams_bot(runtime=corpus_runtime)
    bot.send(personal_message(bot.connector_url, "reindex", aad="aad-someone-else"))
    bot.connector.wait_for(lambda s: any("only kb admins" in m.text for m in s))
    bot.drain()
    assert corpus_runtime.store.last_runs() == {}


def test_reindex_from_an_admin_runs_and_reports_the_summary(teams_bot: TeamsBotFactory, corpus_runtime: Runtime) -> None:
    bot = teams_bot(runtime=corpus_runtime)
    activity = personal_message(bot.connector_url, "reindex local", aad=ADMIN_AAD)

    bot.send(activity)
    sent = bot.connector.wait_for(lambda s: any("finished" in m.text for m in s), timeout=120)
    bot.drain()

    summary = next(m for m in sent if "finished" in m.text)
    assert "5 added" in summary.text
    assert summary.reply_to_id == activity["id"], "the summary threads under the command"
    assert any(m.text.startswith("Reindexing local sources") for m in sent)
    assert corpus_runtime.store.count_documents() == 5


def test_activity_without_service_url_is_a_clean_client_error(teams_bot: TeamsBotFactory) -> None:
    bot = teams_bot()
    activity = personal_message(bot.connector_url, "hello")
    del activity["serviceUrl"]
    status, _ = bot.post(json.dumps(activity))
    assert status == 400


def test_garbage_bodies_are_client_errors(teams_bot: TeamsBotFactory) -> None:
    bot = teams_bot()
    assert bot.post("{not json")[0] == 400
    assert bot.post("[1, 2]")[0] == 400
    assert bot.post(json.dumps({"text": "no type"}))[0] == 400
    assert bot.post("hi", {"Content-Type": "text/plain"})[0] == 415


def test_unknown_activity_types_are_ignored(teams_bot: TeamsBotFactory) -> None:
    bot = teams_bot()
    for kind in ("messageReaction", "somethingNew", "event"):
        activity = personal_message(bot.connector_url, "x")
        activity["type"] = kind
        assert bot.send(activity) in (200, 201, 202)
    bot.drain()
    assert bot.connector.messages() == []


def test_the_bot_added_to_a_conversation_says_hello(teams_bot: TeamsBotFactory) -> None:
    bot = teams_bot()
    activity = personal_message(bot.connector_url, "")
    activity.update(type="conversationUpdate", membersAdded=[{"id": BOT_ID}, {"id": "29:user-1"}])
    bot.send(activity)
    bot.connector.wait_for(lambda s: any("I'm kb" in m.text for m in s))
    bot.drain()


def test_a_person_joining_a_team_gets_no_greeting_in_the_channel(teams_bot: TeamsBotFactory) -> None:
    bot = teams_bot()
    joined = channel_mention(bot.connector_url, "")
    joined.pop("text")
    joined.pop("entities")
    joined.update(type="conversationUpdate", membersAdded=[{"id": "29:new-hire", "aadObjectId": "aad-new-hire"}])
    assert bot.send(joined) in (200, 201, 202)
    bot.drain()
    assert bot.connector.messages() == []  # the channel hears nothing each time someone joins the team


def test_fifty_thousand_characters_are_handled_and_the_bot_keeps_answering(teams_bot: TeamsBotFactory) -> None:
    bot = teams_bot()
    status = bot.send(personal_message(bot.connector_url, "password " * 5_000 + "<at>" * 1_000 + "x" * 1_000))
    assert status in (200, 201, 202)
    bot.drain()

    later = personal_message(bot.connector_url, "How do I reset my password?", user="29:user-9", aad="aad-user-9")
    bot.send(later)
    bot.connector.wait_for(lambda s: any(m.reply_to_id == later["id"] and m.cards for m in s))
    bot.drain()


def test_with_an_app_id_requests_without_a_valid_token_are_rejected(teams_bot: TeamsBotFactory) -> None:
    bot = teams_bot(microsoft_app_id="00000000-0000-0000-0000-000000000001", microsoft_app_tenant_id="tenant-0000",
                    microsoft_app_password=SecretStr("not-a-real-secret"))
    activity = personal_message(bot.connector_url, "How do I reset my password?")

    assert bot.send(activity) == 401
    assert bot.send(activity, {"Authorization": "Bearer not-a-jwt"}) == 401
    bot.drain()
    assert bot.connector.sent == []


def test_follow_up_in_a_channel_thread_is_retrieved_with_the_threads_earlier_question(teams_bot: TeamsBotFactory) -> None:
    bot = teams_bot()
    queries = record_queries(bot)
    first = channel_mention(bot.connector_url, "How do I set up the VPN on my laptop?")
    bot.send(first)
    bot.connector.wait_for(lambda s: len(_answers(s)) == 1)
    elsewhere = channel_mention(bot.connector_url, "where do I report a phishing email?")  # another thread
    bot.send(elsewhere)
    bot.connector.wait_for(lambda s: len(_answers(s)) == 2)

    follow_up = channel_reply(bot.connector_url, "and on my phone?", first["id"])
    bot.send(follow_up)
    sent = bot.connector.wait_for(lambda s: any(m.reply_to_id == follow_up["id"] and m.cards for m in s))
    bot.drain()

    assert queries[-1].endswith("and on my phone?")
    assert "VPN on my laptop" in queries[-1], "the thread's earlier question is the follow-up's context"
    assert "phishing" not in queries[-1], "another thread's question is not"
    reply = next(m for m in sent if m.reply_to_id == follow_up["id"])
    assert reply.conversation_id == follow_up["conversation"]["id"], "answered in the thread"


def test_personal_chat_follow_up_sees_the_earlier_question_but_not_an_escalated_one(teams_bot: TeamsBotFactory) -> None:
    bot = teams_bot()
    queries = record_queries(bot)
    bot.send(personal_message(bot.connector_url, "how many vacation days do I get?"))
    bot.connector.wait_for(lambda s: len(_answers(s)) == 1)
    bot.send(personal_message(bot.connector_url, "my manager put me on a PIP, should I start looking for another job?"))
    bot.connector.wait_for(lambda s: any("People Partner" in m.text for m in s))

    bot.send(personal_message(bot.connector_url, "do they roll over?"))
    bot.connector.wait_for(lambda s: len(_answers(s)) == 2)
    bot.drain()

    assert "vacation days" in queries[-1] and queries[-1].endswith("do they roll over?")
    assert "PIP" not in " ".join(queries), "an escalated question never reaches retrieval, even as context"


def restarted(teams_bot: TeamsBotFactory, example_runtime: Runtime) -> TeamsBot:
    """A new process on the same data dir: its own LanceDB connection, surface, services and memory."""
    fresh = Runtime(example_runtime.settings)
    fresh.embedder = example_runtime.embedder
    return teams_bot(runtime=fresh)


def test_follow_up_after_a_restart_still_sees_the_threads_earlier_question(teams_bot: TeamsBotFactory,
                                                                           example_runtime: Runtime) -> None:
    before = teams_bot()
    first = channel_mention(before.connector_url, "How do I set up the VPN on my laptop?")
    before.send(first)
    before.connector.wait_for(lambda s: len(_answers(s)) == 1)
    before.drain()

    after = restarted(teams_bot, example_runtime)
    queries = record_queries(after)
    follow_up = channel_reply(before.connector_url, "and on my phone?", first["id"])
    after.send(follow_up)
    before.connector.wait_for(lambda s: any(m.reply_to_id == follow_up["id"] and m.cards for m in s))
    after.drain()

    assert queries[-1].endswith("and on my phone?")
    assert "VPN on my laptop" in queries[-1], "the earlier question outlived the process that answered it"


def test_replicas_on_one_index_share_a_threads_questions(teams_bot: TeamsBotFactory, example_runtime: Runtime) -> None:
    one, two = teams_bot(), restarted(teams_bot, example_runtime)  # both running, each with its own connection
    queries = record_queries(one)
    one.send(personal_message(one.connector_url, "how many vacation days do I get?"))
    one.connector.wait_for(lambda s: len(_answers(s)) == 1)
    one.drain()
    two.send(personal_message(one.connector_url, "do they roll over?"))
    one.connector.wait_for(lambda s: len(_answers(s)) == 2)
    two.drain()

    one.send(personal_message(one.connector_url, "and for part-time staff?"))
    one.connector.wait_for(lambda s: len(_answers(s)) == 3)
    one.drain()

    assert "vacation days" in queries[-1] and "roll over" in queries[-1], "what the other replica remembered is seen"


def test_an_escalated_question_is_not_remembered_even_after_a_restart(teams_bot: TeamsBotFactory,
                                                                      example_runtime: Runtime) -> None:
    before = teams_bot()
    before.send(personal_message(before.connector_url, "how many vacation days do I get?"))
    before.connector.wait_for(lambda s: len(_answers(s)) == 1)
    before.send(personal_message(before.connector_url,
                                 "my manager put me on a PIP, should I start looking for another job?"))
    before.connector.wait_for(lambda s: any("People Partner" in m.text for m in s))
    before.drain()

    after = restarted(teams_bot, example_runtime)
    queries = record_queries(after)
    follow_up = personal_message(before.connector_url, "do they roll over?")
    after.send(follow_up)
    before.connector.wait_for(lambda s: len(_answers(s)) == 2)
    after.drain()

    assert "vacation days" in queries[-1] and "PIP" not in queries[-1]
    stored = after.services.memory.recent(follow_up["conversation"]["id"])  # a personal chat's key: its conversation
    assert stored == ["how many vacation days do I get?", "do they roll over?"], "no PIP in the index database either"


def test_remembered_questions_expire_after_an_hour(teams_bot: TeamsBotFactory) -> None:
    bot = teams_bot()
    now = [1_000_000.0]
    bot.services.memory.clock = lambda: now[0]  # no sleeping: the memory reads this clock
    queries = record_queries(bot)
    first = channel_mention(bot.connector_url, "How do I set up the VPN on my laptop?")
    bot.send(first)
    bot.connector.wait_for(lambda s: len(_answers(s)) == 1)
    bot.drain()

    now[0] += 3500  # within the hour: remembered
    bot.send(channel_reply(bot.connector_url, "and on my phone?", first["id"]))
    bot.connector.wait_for(lambda s: len(_answers(s)) == 2)
    bot.drain()
    now[0] += 200  # the first question is now 3,700 s old, the second 200 s
    bot.send(channel_reply(bot.connector_url, "what about a tablet?", first["id"]))
    bot.connector.wait_for(lambda s: len(_answers(s)) == 3)
    bot.drain()

    phone = next(query for query in queries if query.endswith("and on my phone?"))
    tablet = next(query for query in queries if query.endswith("what about a tablet?"))
    assert "VPN on my laptop" in phone
    assert "on my phone" in tablet and "VPN on my laptop" not in tablet
