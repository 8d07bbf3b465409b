"""Slack user groups as principals (KB_SLACK_USERGROUPS), over the wire: signed events into the bot,
the real slack_sdk client reading `usergroups.list` from the fake Slack Web API.

The restricted document's access list names `group:HR-Team`; the access file says the Slack user
group `hr-team` stands for it. Nobody here is in an access-file group by email, so only the Slack
group can open the document.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest
from pydantic import SecretStr
from structlog.testing import capture_logs
from typer.testing import CliRunner

from bot.cli import app as kb_cli
from bot.config import Settings
from bot.runtime import Runtime
from bot.surfaces.slack.client import web_client
from bot.surfaces.slack.groups import SlackUserGroups, principals_by_member
from tests.fakes.aio import LoopThread
from tests.fakes.slack_api import BOT_TOKEN, FakeSlackAPI
from tests.fakes.slack_events import direct_message
from tests.security.conftest import RESTRICTED_QUESTION, RESTRICTED_TITLE
from tests.security.test_chat_access import slack_answer
from tests.surfaces.conftest import ADMIN, SlackBot, SlackBotFactory

CAROL_ID, BOB_ID, DAVE_ID = "U000CAROL1", "U00000BOB1", "U0000DAVE1"
TTL = 300.0
PUBLIC_QUESTION = "How do I connect to the VPN?"


class Clock:
    """A monotonic clock the test moves; it starts at the real one, so reads made before it took over are in its past."""

    def __init__(self) -> None:
        self.now = time.monotonic()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture()
def mapped_access_file(tmp_path: Path) -> Path:
    path = tmp_path / "access.yaml"
    path.write_text("group:hr-team: [slack-group:hr-team, slack-group:people-ops]\n", encoding="utf-8")
    return path


def workspace() -> FakeSlackAPI:
    """Carol is in the enabled `hr-team` group; Dave only in `people-ops`, which is disabled; Bob in neither."""
    fake = FakeSlackAPI()
    fake.emails.update({CAROL_ID: "carol@corp.com", BOB_ID: "bob@corp.com", DAVE_ID: "dave@corp.com"})
    fake.add_usergroup("hr-team", [CAROL_ID, "U0OTHER001"])
    fake.add_usergroup("people-ops", [DAVE_ID], disabled=True)
    return fake


def start(slack_bot: SlackBotFactory, runtime: Runtime, fake: FakeSlackAPI, access_file: Path) -> tuple[SlackBot, Clock]:
    """The bot with user groups on, once its startup read reached Slack; the clock it reads from then on."""
    bot = slack_bot(runtime=runtime, fake=fake, access_file=str(access_file), slack_usergroups=True,
                    slack_usergroups_ttl=TTL)
    assert bot.surface.usergroups is not None
    bot.fake.wait_for("usergroups.list", ok_only=False)  # the startup check
    clock = Clock()  # made after the read, so the read lies in its past
    bot.surface.usergroups.reads.clock = clock
    return bot, clock


def ask(bot: SlackBot, user: str, question: str = RESTRICTED_QUESTION) -> str:
    return slack_answer(bot, direct_message(question, user=user, channel=f"D{user[1:]}"))


def cites_restricted(text: str) -> bool:
    return RESTRICTED_TITLE in text or "Bluebird" in text


def list_calls(bot: SlackBot) -> int:
    return len(bot.fake.recorded("usergroups.list", ok_only=False))


# -- who gets what ---------------------------------------------------------------------------------
def test_a_member_of_the_mapped_slack_group_is_cited_the_restricted_document_and_a_non_member_is_not(
        slack_bot: SlackBotFactory, secure_runtime: Runtime, mapped_access_file: Path) -> None:
    bot, _ = start(slack_bot, secure_runtime, workspace(), mapped_access_file)

    assert cites_restricted(ask(bot, CAROL_ID))
    assert not cites_restricted(ask(bot, BOB_ID))
    [call] = bot.fake.recorded("usergroups.list")
    assert call.args.get("include_users") in ("1", "true")


def test_a_disabled_group_grants_nothing(slack_bot: SlackBotFactory, secure_runtime: Runtime,
                                         mapped_access_file: Path) -> None:
    bot, _ = start(slack_bot, secure_runtime, workspace(), mapped_access_file)

    assert not cites_restricted(ask(bot, DAVE_ID))


def test_a_slack_group_named_like_a_source_group_grants_nothing_without_the_access_file_saying_so(
        slack_bot: SlackBotFactory, secure_runtime: Runtime, tmp_path: Path) -> None:
    """Any member may create a Slack user group called `hr-team`: that must not open HR-Team's pages."""
    unmapped = tmp_path / "access.yaml"
    unmapped.write_text("group:finance: [slack-group:finance]\n", encoding="utf-8")
    bot, _ = start(slack_bot, secure_runtime, workspace(), unmapped)

    assert not cites_restricted(ask(bot, CAROL_ID))


def test_a_deactivated_member_gets_nothing_from_the_group(slack_bot: SlackBotFactory, secure_runtime: Runtime,
                                                          mapped_access_file: Path) -> None:
    fake = workspace()
    fake.deactivated.add(CAROL_ID)
    bot, _ = start(slack_bot, secure_runtime, fake, mapped_access_file)

    assert not cites_restricted(ask(bot, CAROL_ID))


def test_channel_answers_stay_public_for_members_too(slack_bot: SlackBotFactory, secure_runtime: Runtime,
                                                    mapped_access_file: Path) -> None:
    from tests.fakes.slack_api import BOT_USER_ID
    from tests.fakes.slack_events import app_mention

    bot, _ = start(slack_bot, secure_runtime, workspace(), mapped_access_file)

    assert not cites_restricted(slack_answer(bot, app_mention(f"<@{BOT_USER_ID}> {RESTRICTED_QUESTION}", user=CAROL_ID)))


# -- one read per TTL ------------------------------------------------------------------------------
def test_the_groups_are_read_once_per_ttl_whatever_the_number_of_questions(
        slack_bot: SlackBotFactory, secure_runtime: Runtime, mapped_access_file: Path) -> None:
    fake = workspace()
    bot, clock = start(slack_bot, secure_runtime, fake, mapped_access_file)

    for user in (CAROL_ID, BOB_ID, CAROL_ID, DAVE_ID):
        ask(bot, user)
    assert list_calls(bot) == 1

    fake.usergroups[0]["users"].remove(CAROL_ID)  # Carol leaves hr-team in Slack
    read_age = bot.surface.usergroups.health().age
    clock.advance(TTL - 1 - read_age)  # a second before the read expires
    assert cites_restricted(ask(bot, CAROL_ID)) and list_calls(bot) == 1

    clock.advance(2)
    assert not cites_restricted(ask(bot, CAROL_ID))
    assert list_calls(bot) == 2


def test_concurrent_questions_after_expiry_share_one_read() -> None:
    fake = workspace()
    clock = Clock()
    with LoopThread() as loop:
        url = loop.serve(fake.app())
        settings = Settings(slack_bot_token=SecretStr(BOT_TOKEN), slack_api_url=f"{url}/api/")
        groups = SlackUserGroups(web_client(settings, wait_when_rate_limited=False), TTL, clock=clock)

        async def twenty_questions() -> list[tuple[str, ...]]:
            return await asyncio.gather(*(groups.principals(CAROL_ID) for _ in range(20)))

        first = loop.run(twenty_questions())
        clock.advance(TTL + 1)
        again = loop.run(twenty_questions())

    assert len(fake.recorded("usergroups.list")) == 2
    assert set(first) == set(again) == {("slack-group:hr-team", "slack-group:s00000001")}


# -- failures --------------------------------------------------------------------------------------
def test_a_missing_scope_grants_no_group_keeps_answering_and_is_logged_once(
        slack_bot: SlackBotFactory, secure_runtime: Runtime, mapped_access_file: Path) -> None:
    fake = workspace()
    fake.usergroups_error = "missing_scope"
    with capture_logs() as logs:
        bot, _ = start(slack_bot, secure_runtime, fake, mapped_access_file)
        restricted = ask(bot, CAROL_ID)
        public = ask(bot, CAROL_ID, PUBLIC_QUESTION)
        ask(bot, BOB_ID, PUBLIC_QUESTION)

    assert not cites_restricted(restricted)
    assert "git.corp.com/it/vpn.md" in public  # answers still work, from what Carol holds without groups
    scope_lines = [entry for entry in logs if entry["event"] == "slack.usergroups_missing_scope"]
    assert len(scope_lines) == 1 and scope_lines[0]["needed"] == "usergroups:read"
    assert scope_lines[0]["log_level"] == "error"
    assert list_calls(bot) == 1
    status = bot.command("status", user=ADMIN).json()["text"]
    assert ":warning:" in status and "usergroups:read" in status


def test_a_rate_limited_read_grants_no_group_and_waits_for_retry_after(
        slack_bot: SlackBotFactory, secure_runtime: Runtime, mapped_access_file: Path) -> None:
    fake = workspace()
    fake.rate_limit("usergroups.list", times=1, retry_after=120)
    with capture_logs() as logs:
        bot, clock = start(slack_bot, secure_runtime, fake, mapped_access_file)
        assert not cites_restricted(ask(bot, CAROL_ID))
        clock.advance(100)
        assert not cites_restricted(ask(bot, CAROL_ID))
        assert list_calls(bot) == 1  # no retry before Retry-After, however many questions

        clock.advance(21)
        assert cites_restricted(ask(bot, CAROL_ID))

    assert list_calls(bot) == 2
    failures = [entry for entry in logs if entry["event"] == "slack.usergroups_failed"]
    assert len(failures) == 1 and failures[0]["error"] == "ratelimited" and failures[0]["retry_in"] == 120


def test_an_unreachable_slack_grants_no_group_and_is_not_retried_per_question() -> None:
    clock = Clock()
    settings = Settings(slack_bot_token=SecretStr(BOT_TOKEN), slack_api_url="http://127.0.0.1:9/api/")
    groups = SlackUserGroups(web_client(settings, wait_when_rate_limited=False), TTL, clock=clock)

    async def questions() -> list[tuple[str, ...]]:
        return [await groups.principals(CAROL_ID) for _ in range(5)]

    with capture_logs() as logs:
        held = asyncio.run(questions())

    assert held == [()] * 5
    assert len([entry for entry in logs if entry["event"] == "slack.usergroups_failed"]) == 1
    assert groups.health().failure is not None and groups.health().groups is None


def test_disabled_and_external_groups_of_slacks_documented_answer_grant_nothing() -> None:
    """The usergroups.list reference's example answer: Team Admins, and Marketing Team disabled (date_delete)."""
    answer = [
        {"id": "S0614TZR7", "team_id": "T060RNRCH", "is_usergroup": True, "name": "Team Admins", "handle": "admins",
         "is_external": False, "date_create": 1446598059, "date_update": 1446670362, "date_delete": 0,
         "auto_type": "admin", "users": ["U060RNRCZ", "U060ULRC0"], "user_count": "2"},
        {"id": "S0615G0KT", "team_id": "T060RNRCH", "is_usergroup": True, "name": "Marketing Team",
         "handle": "marketing-team", "is_external": False, "date_create": 1446746793, "date_update": 1446747767,
         "date_delete": 1446748865, "auto_type": None, "users": ["U060ULRC0"], "user_count": "1"},
        {"id": "S0999EXT01", "team_id": "T0OTHERORG", "is_usergroup": True, "name": "Partner Admins",
         "handle": "partner-admins", "is_external": True, "date_delete": 0, "users": ["U060ULRC0"]},
    ]

    by_user, granting = principals_by_member(answer)

    assert granting == 1
    assert by_user == {"U060RNRCZ": frozenset({"slack-group:admins", "slack-group:s0614tzr7"}),
                       "U060ULRC0": frozenset({"slack-group:admins", "slack-group:s0614tzr7"})}


# -- kb status -------------------------------------------------------------------------------------
def test_kb_status_reports_a_missing_scope(tmp_path: Path) -> None:
    fake = FakeSlackAPI()
    fake.usergroups_error = "missing_scope"
    with LoopThread() as loop:
        url = loop.serve(fake.app())
        env = {"KB_SLACK_USERGROUPS": "true", "SLACK_BOT_TOKEN": BOT_TOKEN, "KB_SLACK_API_URL": f"{url}/api/"}
        result = CliRunner().invoke(kb_cli, ["status", "--json", "--data-dir", str(tmp_path / "index")], env=env,
                                    catch_exceptions=False)

    report = json.loads(result.stdout.strip().splitlines()[-1])["slack_usergroups"]
    assert report["ok"] is False and report["error"] == "missing_scope" and "usergroups:read" in report["summary"]
