"""Generated answers in Slack and Teams, over the wire: the real bot server, the real anthropic SDK
streaming from a fake Messages API, and the fake Slack Web API / Bot Framework connector recording
the draft message and its edits. The surfaces' clock is moved by the test (never a sleep), so the
number of edits the throttle lets through is known.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.conversation.streaming import PLACEHOLDER
from bot.surfaces.slack.blocks import ACTION_HELPFUL
from tests.answer.conftest import fake_llm, llm_settings  # noqa: F401 - the fixture
from tests.fakes.anthropic_messages import Scripted
from tests.fakes.slack_api import BOT_USER_ID
from tests.fakes.slack_events import app_mention
from tests.fakes.teams_activities import personal_message
from tests.surfaces.conftest import SlackBotFactory
from tests.surfaces.test_slack_answers import in_thread
from tests.surfaces.conftest import TeamsBotFactory

QUESTION = "the VPN says device posture check failed, what now?"
REPLY = ("Update your laptop's operating system, then open kconnect and connect again [1]. "
         "If the posture check still fails, ask for help in the IT channel with the error shown [2].")
WORDS = len(REPLY.split())


def half_second_steps() -> Callable[[], float]:
    """A clock that is half a second later every time it is read: with KB_LLM_UPDATE_EVERY=1, every
    second streamed word may be shown."""
    now = [0.0]

    def clock() -> float:
        now[0] += 0.5
        return now[0]

    return clock


def test_slack_streams_into_one_threaded_message_and_ends_with_sources(slack_bot: SlackBotFactory, fake_llm) -> None:  # noqa: ANN001
    fake, url = fake_llm
    fake.then(Scripted(REPLY, token_delay=0.002))
    bot = slack_bot(**llm_settings(url), llm_update_every=1.0)
    bot.services.clock = half_second_steps()
    event = app_mention(f"<@{BOT_USER_ID}> {QUESTION}")

    bot.send_event(event)

    bot.fake.wait_for("chat.update", lambda call: bool(call.args.get("blocks")))
    bot.drain()
    [draft] = bot.fake.recorded("chat.postMessage", in_thread(event["channel"], event["ts"]))
    assert draft.args["text"] == PLACEHOLDER
    updates = bot.fake.recorded("chat.update")
    assert {call.args["ts"] for call in updates} == {draft.response["ts"]}
    *partial, final = updates
    texts = [call.args["text"].removesuffix(" …") for call in partial]
    assert 2 <= len(texts) <= WORDS // 2 + 1  # several edits, but throttled: not one per word
    assert all(later.startswith(earlier) for earlier, later in zip(texts, texts[1:]))
    assert all("[" not in text for text in texts)
    assert final.args["text"] == REPLY and not final.blocks()[0]["text"]["text"].endswith("…")
    assert "connect again <file://" in final.blocks()[0]["text"]["text"]  # [1] links to its section
    sources = [b["text"]["text"] for b in final.blocks() if b["type"] == "section" and b["text"]["text"].startswith("*")]
    assert len(sources) == 2 and all(text.startswith(f"*{n}.* <file://") for n, text in zip((1, 2), sources))
    buttons = [el["action_id"] for b in final.blocks() if b["type"] == "actions" for el in b["elements"]]
    assert buttons[0] == ACTION_HELPFUL
    assert fake.requests[0]["body"]["stream"] is True


def test_slack_draft_becomes_the_snippets_answer_when_the_api_fails(slack_bot: SlackBotFactory, fake_llm) -> None:  # noqa: ANN001
    fake, url = fake_llm
    fake.then(Scripted(status=500))
    bot = slack_bot(**llm_settings(url))
    event = app_mention(f"<@{BOT_USER_ID}> {QUESTION}")

    bot.send_event(event)

    [final] = bot.fake.wait_for("chat.update", lambda call: bool(call.args.get("blocks")))
    bot.drain()
    [draft] = bot.fake.recorded("chat.postMessage", in_thread(event["channel"], event["ts"]))
    assert final.args["ts"] == draft.response["ts"] and len(bot.fake.recorded("chat.update")) == 1
    assert final.args["text"].startswith("From ") and "[1]" in final.args["text"]  # the quoted snippets


def test_slack_follow_up_sends_the_threads_earlier_messages_to_the_model(slack_bot: SlackBotFactory, fake_llm) -> None:  # noqa: ANN001
    fake, url = fake_llm
    fake.then("Use kconnect to reconnect [1].")
    bot = slack_bot(**llm_settings(url))
    channel = "C0000FOLLW"
    root = app_mention(f"<@{BOT_USER_ID}> how do I set up the VPN on my Mac?", channel=channel)
    follow_up = app_mention(f"<@{BOT_USER_ID}> what if it keeps disconnecting?", channel=channel, thread_ts=root["ts"])
    bot.fake.threads[(channel, root["ts"])] = [
        {"type": "message", "user": root["user"], "text": root["text"], "ts": root["ts"]},
        {"type": "message", "user": follow_up["user"], "text": follow_up["text"], "ts": follow_up["ts"],
         "thread_ts": root["ts"]}]

    bot.send_event(follow_up)

    bot.fake.wait_for("chat.update", lambda call: bool(call.args.get("blocks")))
    bot.drain()
    assert "<message>how do I set up the VPN on my Mac?</message>" in fake.prompt()
    assert "<question>what if it keeps disconnecting?</question>" in fake.prompt()


def test_teams_sends_a_card_then_updates_it_in_place(teams_bot: TeamsBotFactory, fake_llm) -> None:  # noqa: ANN001
    fake, url = fake_llm
    fake.then(Scripted(REPLY, token_delay=0.002))
    bot = teams_bot(**llm_settings(url), llm_update_every=1.0)
    bot.services.clock = half_second_steps()

    bot.send(personal_message(bot.connector_url, QUESTION))

    bot.connector.wait_for(lambda sent: any(s.updated and s.cards and len(s.cards[0]["body"]) > 2 for s in sent))
    bot.drain()
    [card] = [s for s in bot.connector.messages() if s.cards]
    assert card.cards[0]["body"][0]["text"] == PLACEHOLDER
    updates = bot.connector.updates()
    assert len({u.updated for u in updates}) == 1 and len(updates) >= 3
    *partial, final = updates
    assert all(u.cards[0]["body"][-1]["text"] == "Writing…" for u in partial)
    body = " ".join(block.get("text", "") for block in final.cards[0]["body"])
    assert "connect again [\\[1\\]](file://" in body and "IT channel with the error shown [\\[2\\]](file://" in body
    assert "Sources" in body and "Writing…" not in body
    assert len(final.cards[0]["actions"]) == 2
