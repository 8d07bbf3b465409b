"""Every entrance verified and every odd input survived: replays, forgeries and fuzzed payloads.

The fuzz tests throw malformed events, slash commands, block actions and Bot Framework activities
at the real endpoints; none may answer 500 or put a stack trace in any reply, HTTP or chat.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any
from urllib.parse import urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.surfaces.slack.blocks import ACTION_ESCALATE, ACTION_HELPFUL, ACTION_NOT_HELPFUL
from tests.fakes.slack_api import BOT_USER_ID
from tests.fakes.slack_events import app_mention, event_callback, signed_headers
from tests.fakes.teams_activities import personal_message
from tests.surfaces.conftest import SlackBotFactory, TeamsBotFactory

TRACE_MARKS = ("Traceback", 'File "/', "Error:", "site-packages")
EXPLORE = bool(os.environ.get("KB_FUZZ_EXPLORE"))
FUZZ = settings(max_examples=600 if EXPLORE else 60, deadline=None, derandomize=not EXPLORE,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
"""The same 60 inputs on every run, so CI passes or fails on the code, not on the draw (a random
draw found the empty-`actions` 500 only after many runs); `KB_FUZZ_EXPLORE=1` draws 600 new ones
to hunt for more, and each one found becomes a plain test (test_a_block_action_without_actions_gets_400_not_500)."""


def test_a_replayed_slack_request_older_than_five_minutes_is_rejected(slack_bot: SlackBotFactory) -> None:
    bot = slack_bot()
    body = json.dumps(event_callback(app_mention(f"<@{BOT_USER_ID}> how do I reset my password?")))
    stale = int(time.time()) - 5 * 60 - 5

    replayed = bot.post("/slack/events", body, signed_headers(body, timestamp=stale))
    fresh = bot.post("/slack/events", body, signed_headers(body, timestamp=int(time.time()) - 60))

    assert replayed.status == 401, "a correctly signed but stale request is a replay"
    assert fresh.status == 200
    bot.fake.wait_for("chat.postMessage")
    bot.drain()
    assert len(bot.fake.recorded("chat.postMessage")) == 1, "only the fresh delivery was answered"


def test_forged_and_unsigned_slack_requests_are_rejected(slack_bot: SlackBotFactory) -> None:
    bot = slack_bot()
    body = json.dumps(event_callback(app_mention(f"<@{BOT_USER_ID}> how do I reset my password?")))

    assert bot.post("/slack/events", body, {"Content-Type": "application/json"}).status == 401
    assert bot.post("/slack/events", body, signed_headers(body, secret="not-the-secret")).status == 401
    assert bot.post("/slack/events", body, signed_headers(body, timestamp=int(time.time()) + 600)).status == 401
    assert bot.post("/slack/events", body + " ", signed_headers(body)).status == 401, "the signature covers the body"
    bot.drain()
    assert bot.fake.recorded("chat.postMessage") == []


# -- fuzzing ---------------------------------------------------------------------------------------
scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**63, 2**63), st.floats(allow_nan=False),
                    st.text(max_size=60))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12),
                                                                                                  inner, max_size=4),
                           max_leaves=12)
texts = st.one_of(st.text(max_size=300), st.just(f"<@{BOT_USER_ID}> how do I reset my password?"),
                  st.just("<@U123|x> <#C1|c> <!here> &lt;&amp; ```x``` *b* <https://x|y>"))


@st.composite
def slack_events(draw: st.DrawFn) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": draw(st.sampled_from(["app_mention", "message", "reaction_added", "", "app_home_opened"])),
        "user": draw(st.one_of(st.none(), st.sampled_from(["U0000ASKER", "W012", ""]), st.text(max_size=12))),
        "text": draw(st.one_of(texts, json_values)),
        "ts": draw(st.one_of(st.just(f"{time.time():.6f}"), st.text(max_size=20), st.integers())),
        "channel": draw(st.one_of(st.sampled_from(["C0000GENRL", "D0000ASKER", "G01"]), json_values)),
    }
    for key in ("channel_type", "thread_ts", "subtype", "bot_id", "edited", "blocks", "files"):
        if draw(st.booleans()):
            event[key] = draw(st.one_of(st.sampled_from(["im", "channel", "mpim", "file_share", "message_changed"]),
                                        json_values))
    envelope = event_callback(event)
    if draw(st.booleans()):
        envelope[draw(st.sampled_from(["type", "event", "authorizations", "team_id"]))] = draw(json_values)
    return envelope


@st.composite
def slack_forms(draw: st.DrawFn) -> str:
    """A slash command or a block action, form-encoded as Slack sends them, fields fuzzed."""
    if draw(st.booleans()):
        fields = {"command": draw(st.sampled_from(["/kb", "/other", ""])), "text": draw(texts),
                  "user_id": draw(st.sampled_from(["U0000ASKER", "", "U0000ADMIN"])),
                  "channel_id": draw(st.text(max_size=12)), "team_id": draw(st.text(max_size=12))}
        return urlencode({k: v for k, v in fields.items() if draw(st.integers(0, 9)) > 0})
    action = {"action_id": draw(st.sampled_from([ACTION_HELPFUL, ACTION_NOT_HELPFUL, ACTION_ESCALATE, "kb_ticket_claim",
                                                 "nope"])), "value": draw(st.one_of(st.text(max_size=80), json_values))}
    payload = {"type": draw(st.sampled_from(["block_actions", "view_submission", "shortcut", ""])),
               "user": draw(st.one_of(st.just({"id": "U0000ASKER"}), json_values)),
               "channel": draw(st.one_of(st.just({"id": "C0000GENRL"}), json_values)),
               "actions": draw(st.one_of(st.just([action]), json_values)),
               "message": draw(json_values), "container": draw(json_values)}
    raw = json.dumps(payload) if draw(st.integers(0, 4)) else draw(st.text(max_size=40))
    return urlencode({"payload": raw})


def _no_trace(text: str) -> None:
    assert not any(mark in text for mark in TRACE_MARKS), text[:500]


def test_a_block_action_without_actions_gets_400_not_500(slack_bot: SlackBotFactory) -> None:
    """Found by the fuzz test below: Bolt's action matcher indexes `actions[0]`."""
    bot = slack_bot()
    for actions in ([], [{}], "x"):
        payload = {"type": "block_actions", "user": {"id": "U0ASKER"}, "team": {"id": "T0"}, "actions": actions}
        data = urlencode({"payload": json.dumps(payload)})
        reply = bot.post("/slack/events", data, signed_headers(data, content_type="application/x-www-form-urlencoded"))
        assert reply.status < 500, (actions, reply.status)
        _no_trace(reply.body)
    bot.drain()
    assert bot.fake.recorded("chat.postMessage") == []


def test_fuzzed_slack_events_commands_and_actions_never_500_or_leak_a_trace(slack_bot: SlackBotFactory) -> None:
    bot = slack_bot()

    @FUZZ
    @given(body=st.one_of(slack_events().map(json.dumps), st.text(max_size=200)),
           form=slack_forms())
    def throw(body: str, form: str) -> None:
        for data, content_type in ((body, "application/json"), (form, "application/x-www-form-urlencoded")):
            reply = bot.post("/slack/events", data, signed_headers(data, content_type=content_type))
            assert reply.status < 500, (reply.status, data[:300])
            _no_trace(reply.body)

    throw()
    bot.drain()
    for call in bot.fake.calls:
        _no_trace(json.dumps(call.args))
    assert bot.get("/healthz").status == 200


@st.composite
def activities(draw: st.DrawFn, service_url: str) -> Any:
    activity: dict[str, Any] = personal_message(service_url, draw(texts))
    for key in ("type", "text", "value", "from", "conversation", "recipient", "entities", "channelData", "id",
                "attachments", "membersAdded", "replyToId", "name"):
        if draw(st.integers(0, 3)) == 0:
            activity[key] = draw(st.one_of(st.sampled_from(["message", "invoke", "conversationUpdate", "typing"]),
                                           json_values))
    if draw(st.integers(0, 9)) == 0:
        return draw(json_values)
    return activity


def test_fuzzed_teams_activities_never_500_or_leak_a_trace(teams_bot: TeamsBotFactory) -> None:
    bot = teams_bot()

    @FUZZ
    @given(data=st.data())
    def throw(data: st.DataObject) -> None:
        body = json.dumps(data.draw(activities(bot.connector_url)))
        status, reply = bot.post(body)
        # 501 is the Bot Framework's deliberate answer to an invoke the bot does not handle, not a failure
        assert status < 500 or (status == 501 and '"invoke"' in body), (status, body[:300])
        _no_trace(reply)

    throw()
    bot.drain()
    for sent in bot.connector.sent:
        _no_trace(json.dumps(sent.activity))
    assert bot.send(personal_message(bot.connector_url, "status")) in (200, 201, 202), "still serving"
