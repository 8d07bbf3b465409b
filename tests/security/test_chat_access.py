"""Access over the wire: Slack and Teams askers are identified by their platforms, and answers keep to
what the asker may read where the answer is posted."""

from __future__ import annotations

import json

import pytest
from pydantic import SecretStr

from bot.conversation.services import ChatServices
from bot.runtime import Runtime
from bot.surfaces.slack.surface import SlackSurface
from bot.surfaces.teams.surface import TeamsSurface
from tests.fakes.slack_api import BOT_USER_ID, Call
from tests.fakes.slack_events import app_mention, direct_message
from tests.fakes.teams_activities import channel_mention, personal_message
from tests.fakes.teams_connector import Sent
from tests.security.conftest import ALICE, BOB, RESTRICTED_QUESTION, RESTRICTED_TITLE, RESTRICTED_URL
from tests.surfaces.conftest import SlackBotFactory, TeamsBotFactory
from tests.surfaces.test_slack_answers import in_thread

ALICE_ID, BOB_ID, GUEST_ID = "U0000ALICE", "U00000BOB1", "U000GUEST1"


def slack_answer(bot, event: dict) -> str:  # noqa: ANN001 - the SlackBot of tests/surfaces
    assert bot.send_event(event).status == 200
    [call] = bot.fake.wait_for("chat.postMessage", in_thread(event["channel"], event["ts"]))
    return _text(call)


def _text(call: Call) -> str:
    return call.args.get("text", "") + json.dumps(call.blocks())


def slack_bot_with_people(slack_bot: SlackBotFactory, runtime: Runtime, **overrides: object):  # noqa: ANN201
    bot = slack_bot(runtime=runtime, **overrides)
    bot.fake.emails.update({ALICE_ID: ALICE, BOB_ID: BOB, GUEST_ID: "vendor@partner.com"})
    bot.fake.guests.add(GUEST_ID)
    return bot


def test_slack_dm_of_an_allowed_user_cites_the_restricted_document(slack_bot: SlackBotFactory,
                                                                   secure_runtime: Runtime) -> None:
    bot = slack_bot_with_people(slack_bot, secure_runtime)
    text = slack_answer(bot, direct_message(RESTRICTED_QUESTION, user=ALICE_ID, channel="D0000ALICE"))
    assert RESTRICTED_TITLE in text and RESTRICTED_URL in text
    assert bot.fake.recorded("users.info", lambda call: call.args.get("user") == ALICE_ID)


def test_slack_channel_answer_never_cites_it_even_when_an_allowed_user_asks(slack_bot: SlackBotFactory,
                                                                           secure_runtime: Runtime) -> None:
    bot = slack_bot_with_people(slack_bot, secure_runtime)
    text = slack_answer(bot, app_mention(f"<@{BOT_USER_ID}> {RESTRICTED_QUESTION}", user=ALICE_ID))
    assert RESTRICTED_TITLE not in text and "Bluebird" not in text


def test_slack_dm_of_a_user_outside_the_access_list_does_not_cite_it(slack_bot: SlackBotFactory,
                                                                     secure_runtime: Runtime) -> None:
    bot = slack_bot_with_people(slack_bot, secure_runtime)
    for user in (BOB_ID, GUEST_ID, "U0NOEMAIL1"):
        text = slack_answer(bot, direct_message(RESTRICTED_QUESTION, user=user, channel=f"D{user[1:]}"))
        assert RESTRICTED_TITLE not in text and "Bluebird" not in text, user


def test_slack_channel_limited_to_one_source_never_cites_another(slack_bot: SlackBotFactory,
                                                                 secure_runtime: Runtime) -> None:
    bot = slack_bot_with_people(slack_bot, secure_runtime, channel_sources={"C000ITHELP": ["confluence/IT Help"]})
    for question in ("How do I connect to the VPN?", "How do I release print jobs on the printers?"):
        text = slack_answer(bot, app_mention(f"<@{BOT_USER_ID}> {question}", user=ALICE_ID, channel="C000ITHELP"))
        assert "git.corp.com" not in text and "Human Resources" not in text
    assert "wiki.corp.com/spaces/IT/pages/901" in text


def test_teams_personal_chat_of_an_allowed_user_cites_the_restricted_document(teams_bot: TeamsBotFactory,
                                                                              secure_runtime: Runtime) -> None:
    bot = teams_bot(runtime=secure_runtime)
    bot.connector.members["29:alice"] = {"id": "29:alice", "name": "Alice", "aadObjectId": "aad-alice",
                                         "email": ALICE, "userPrincipalName": ALICE, "userRole": "user"}
    activity = personal_message(bot.connector_url, RESTRICTED_QUESTION, user="29:alice", aad="aad-alice")

    bot.send(activity)
    text = _teams_reply(bot, activity)
    assert RESTRICTED_TITLE in text and RESTRICTED_URL in text


def test_teams_channel_and_unknown_users_never_get_it(teams_bot: TeamsBotFactory, secure_runtime: Runtime) -> None:
    bot = teams_bot(runtime=secure_runtime)
    bot.connector.members["29:alice"] = {"id": "29:alice", "aadObjectId": "aad-alice", "email": ALICE,
                                         "userPrincipalName": ALICE, "userRole": "user"}
    bot.connector.members["29:guest"] = {"id": "29:guest", "aadObjectId": "aad-guest", "email": "vendor@partner.com",
                                         "userPrincipalName": "vendor_partner.com#EXT#@corp.onmicrosoft.com",
                                         "userRole": "guest"}
    activities = [channel_mention(bot.connector_url, RESTRICTED_QUESTION, user="29:alice", aad="aad-alice"),
                  personal_message(bot.connector_url, RESTRICTED_QUESTION, user="29:bob", aad="aad-bob"),
                  personal_message(bot.connector_url, RESTRICTED_QUESTION, user="29:guest", aad="aad-guest")]
    for activity in activities:
        bot.send(activity)
        text = _teams_reply(bot, activity)
        assert RESTRICTED_TITLE not in text and "Bluebird" not in text, activity["from"]


def _teams_reply(bot, activity: dict) -> str:  # noqa: ANN001
    def answered(sent: list[Sent]) -> bool:
        return any(s.reply_to_id == activity["id"] and s.cards for s in sent)

    sent = bot.connector.wait_for(answered)
    return json.dumps([s.activity for s in sent if s.reply_to_id == activity["id"] and s.cards])


# -- admin actions ---------------------------------------------------------------------------------
def test_non_admins_cannot_reindex_through_slack(slack_bot: SlackBotFactory, corpus_runtime: Runtime) -> None:
    for admins in ([], ["  ", ""], ["boss@corp.com"]):
        bot = slack_bot(runtime=corpus_runtime, admins=admins)
        bot.fake.emails["U0000ASKER"] = "someone@corp.com"
        assert "only kb admins" in bot.command("reindex", user="U0000ASKER").json()["text"], admins
        bot.drain()
    assert corpus_runtime.store.last_runs() == {}


def test_non_admins_cannot_reindex_through_teams(teams_bot: TeamsBotFactory, corpus_runtime: Runtime) -> None:
    for admins in ([], ["boss@corp.com"]):
        bot = teams_bot(runtime=corpus_runtime, admins=admins)
        bot.connector.members["29:user-1"] = {"id": "29:user-1", "aadObjectId": "aad-user-1",
                                              "email": "someone@corp.com", "userRole": "user"}
        bot.send(personal_message(bot.connector_url, "reindex"))
        bot.connector.wait_for(lambda s: any("only kb admins" in m.text for m in s))
        bot.drain()
    assert corpus_runtime.store.last_runs() == {}


# -- production mode ---------------------------------------------------------------------------------
def _services(runtime: Runtime, **overrides: object) -> ChatServices:
    settings = runtime.settings.model_copy(update=overrides)
    fresh = Runtime(settings)
    fresh.store, fresh.embedder = runtime.store, runtime.embedder
    return ChatServices(fresh)


def test_production_mode_refuses_anonymous_teams_requests(secure_runtime: Runtime) -> None:
    with pytest.raises(ValueError, match="KB_MODE=development"):
        TeamsSurface(_services(secure_runtime, mode="production", microsoft_app_id=""))


def test_production_mode_keeps_slack_request_verification_on_without_a_secret(secure_runtime: Runtime) -> None:
    def verifies(surface: SlackSurface) -> bool:
        return any(type(m).__name__ == "AsyncRequestVerification" for m in surface.app._async_middleware_list)  # noqa: SLF001

    unsigned = {"slack_bot_token": SecretStr("xoxb-test"), "slack_signing_secret": None}
    assert verifies(SlackSurface(_services(secure_runtime, mode="production", **unsigned)))
    assert not verifies(SlackSurface(_services(secure_runtime, mode="development", **unsigned)))
