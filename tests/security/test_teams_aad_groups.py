"""Azure AD groups of Teams askers as principals (KB_TEAMS_AAD_GROUPS), over the wire: Bot Framework
activities into the bot, whose real Graph client signs in at a fake token endpoint and reads
`transitiveMemberOf` from a fake Microsoft Graph.

The restricted document's access list names `group:HR-Team`; the access file says the AAD group
`HR Team` (by its object id) stands for it. Nobody here is in an access-file group by email, so only
the AAD group can open the document.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from structlog.testing import capture_logs
from typer.testing import CliRunner

from bot.access.cached_reads import CachedReads
from bot.cli import app as kb_cli
from bot.runtime import Runtime
from bot.surfaces.teams.graph import AppCredentials, Graph
from bot.surfaces.teams.groups import AadGroups, principals_of
from tests.fakes.aio import LoopThread
from tests.fakes.graph_api import CLIENT_ID, CLIENT_SECRET, TENANT, FakeGraph
from tests.fakes.teams_activities import channel_mention, personal_message
from tests.security.conftest import RESTRICTED_QUESTION, RESTRICTED_TITLE
from tests.security.test_chat_access import _teams_reply
from tests.security.test_slack_usergroups import Clock
from tests.surfaces.conftest import TeamsBot, TeamsBotFactory

CAROL, BOB, DAVE = "aad-carol-0001", "aad-bob-00001", "aad-dave-0001"
TTL = 300.0
PUBLIC_QUESTION = "How do I connect to the VPN?"
MEMBERSHIPS = "/transitiveMemberOf/microsoft.graph.group"


@pytest.fixture()
def graph() -> Iterator[FakeGraph]:
    """Carol is in `HR Team`; Bob only in `All Staff`; Dave in a group named `HR-Team`, which the file does not map."""
    fake = FakeGraph()
    fake.add_group("All Staff", [CAROL, BOB])
    fake.add_group("HR Team", [CAROL], nickname="hrteam")
    fake.add_group("HR-Team", [DAVE])
    with LoopThread() as loop:
        fake.url = loop.serve(fake.app())
        yield fake


def access_file(tmp_path: Path, fake: FakeGraph) -> Path:
    path = tmp_path / "access.yaml"
    path.write_text(f"group:hr-team: [aad-group:{fake.group_id('HR Team')}]\n", encoding="utf-8")
    return path


def reader(fake: FakeGraph, clock: Clock | None = None) -> AadGroups:
    """What `AadGroups.from_settings` builds, with the fake's URLs and the test app's credentials."""
    graph = Graph(AppCredentials(CLIENT_ID, CLIENT_SECRET, TENANT), graph_url=fake.url, token_url=fake.token_url())
    return AadGroups(graph, TTL, **({"clock": clock} if clock else {}))


def start(teams_bot: TeamsBotFactory, runtime: Runtime, fake: FakeGraph, access: Path) -> tuple[TeamsBot, Clock]:
    """The bot with AAD groups on, once its startup check reached Graph; the clock it reads from then on."""
    groups = reader(fake)
    bot = teams_bot(runtime=runtime, aad_groups=groups, access_file=str(access))
    fake.wait_for("/v1.0/groups")  # the startup check
    bot.drain()
    clock = Clock()  # made after the check, so it lies in the clock's past
    groups.reads.clock = clock
    return bot, clock


def ask(bot: TeamsBot, aad: str, question: str = RESTRICTED_QUESTION) -> str:
    activity = personal_message(bot.connector_url, question, user=f"29:{aad}", aad=aad)
    assert bot.send(activity) == 202
    return _teams_reply(bot, activity)


def cites_restricted(text: str) -> bool:
    return RESTRICTED_TITLE in text or "Bluebird" in text


def membership_reads(fake: FakeGraph) -> int:
    return len(fake.recorded(MEMBERSHIPS, status=None))


# -- who gets what ---------------------------------------------------------------------------------
def test_a_member_of_the_mapped_aad_group_is_cited_the_restricted_document_and_a_non_member_is_not(
        teams_bot: TeamsBotFactory, secure_runtime: Runtime, graph: FakeGraph, tmp_path: Path) -> None:
    bot, _ = start(teams_bot, secure_runtime, graph, access_file(tmp_path, graph))

    assert cites_restricted(ask(bot, CAROL))
    assert not cites_restricted(ask(bot, BOB))
    carol = graph.recorded(f"/v1.0/users/{CAROL}{MEMBERSHIPS}")
    assert len(carol) == 1 and carol[0].query["$select"] == "id,displayName,mailNickname"
    [token] = graph.recorded("/oauth2/v2.0/token")  # one token for the check and both reads
    assert token.form == {"grant_type": "client_credentials", "client_id": CLIENT_ID,
                          "scope": "https://graph.microsoft.com/.default"}


def test_an_aad_group_named_like_a_source_group_grants_nothing_without_the_access_file_saying_so(
        teams_bot: TeamsBotFactory, secure_runtime: Runtime, graph: FakeGraph, tmp_path: Path) -> None:
    """Dave's group is called `HR-Team`, as the Confluence group is: that must not open HR-Team's pages."""
    bot, _ = start(teams_bot, secure_runtime, graph, access_file(tmp_path, graph))

    assert not cites_restricted(ask(bot, DAVE))
    assert graph.recorded(f"/v1.0/users/{DAVE}{MEMBERSHIPS}")  # read, and granted nothing


def test_a_group_can_be_mapped_by_its_name(teams_bot: TeamsBotFactory, secure_runtime: Runtime, graph: FakeGraph,
                                          tmp_path: Path) -> None:
    by_name = tmp_path / "by-name.yaml"
    by_name.write_text("group:hr-team: [aad-group:hrteam]\n", encoding="utf-8")
    bot, _ = start(teams_bot, secure_runtime, graph, by_name)

    assert cites_restricted(ask(bot, CAROL))


def test_channel_answers_stay_public_for_members_too(teams_bot: TeamsBotFactory, secure_runtime: Runtime,
                                                    graph: FakeGraph, tmp_path: Path) -> None:
    bot, _ = start(teams_bot, secure_runtime, graph, access_file(tmp_path, graph))
    activity = channel_mention(bot.connector_url, RESTRICTED_QUESTION, user="29:carol", aad=CAROL)

    assert bot.send(activity) == 202
    assert not cites_restricted(_teams_reply(bot, activity))
    assert membership_reads(graph) == 0  # groups could not widen a channel answer, so Graph is not asked


def test_an_asker_of_another_tenant_gets_no_aad_group_and_costs_no_read(
        teams_bot: TeamsBotFactory, secure_runtime: Runtime, graph: FakeGraph, tmp_path: Path) -> None:
    bot, _ = start(teams_bot, secure_runtime, graph, access_file(tmp_path, graph))
    activity = personal_message(bot.connector_url, RESTRICTED_QUESTION, user="29:carol", aad=CAROL)
    activity["conversation"]["tenantId"] = activity["channelData"]["tenant"]["id"] = "tenant-elsewhere"

    assert bot.send(activity) == 202
    assert not cites_restricted(_teams_reply(bot, activity))
    assert membership_reads(graph) == 0


def test_groups_on_two_pages_are_all_read(teams_bot: TeamsBotFactory, secure_runtime: Runtime, graph: FakeGraph,
                                          tmp_path: Path) -> None:
    graph.page_size = 1  # Carol's HR Team is on her second page
    bot, _ = start(teams_bot, secure_runtime, graph, access_file(tmp_path, graph))

    assert cites_restricted(ask(bot, CAROL))
    pages = graph.recorded(f"/v1.0/users/{CAROL}{MEMBERSHIPS}")
    assert len(pages) == 2 and "$skiptoken" not in pages[0].query and pages[1].query["$skiptoken"] == "1"


# -- one read per asker per TTL --------------------------------------------------------------------
def test_an_askers_groups_are_read_once_per_ttl(teams_bot: TeamsBotFactory, secure_runtime: Runtime,
                                                graph: FakeGraph, tmp_path: Path) -> None:
    bot, clock = start(teams_bot, secure_runtime, graph, access_file(tmp_path, graph))

    assert cites_restricted(ask(bot, CAROL))
    assert cites_restricted(ask(bot, CAROL))
    assert membership_reads(graph) == 1

    graph.members[CAROL].remove(graph.group_id("HR Team"))  # Carol leaves HR Team in Entra
    clock.advance(TTL - 1)
    assert cites_restricted(ask(bot, CAROL)) and membership_reads(graph) == 1

    clock.advance(2)
    assert not cites_restricted(ask(bot, CAROL))
    assert membership_reads(graph) == 2


def test_concurrent_questions_of_one_asker_share_one_read(graph: FakeGraph) -> None:
    clock = Clock()
    groups = reader(graph, clock)

    async def twenty_questions() -> list[tuple[str, ...]]:
        return await asyncio.gather(*(groups.principals(CAROL, TENANT) for _ in range(20)))

    first = asyncio.run(twenty_questions())
    clock.advance(TTL + 1)
    again = asyncio.run(twenty_questions())

    assert membership_reads(graph) == 2
    assert set(first) == set(again) and len(set(first)) == 1
    assert f"aad-group:{graph.group_id('HR Team')}" in first[0] and "aad-group:hr team" in first[0]


def test_the_cache_keeps_at_most_max_entries() -> None:
    reads: CachedReads[str, int] = CachedReads(TTL, max_entries=3)

    async def read_all() -> None:
        for number in range(5):
            async def value(number: int = number) -> int:
                return number
            await reads.get(f"user-{number}", value)

    asyncio.run(read_all())

    assert len(reads) == 3 and reads.usable("user-0") is None and reads.usable("user-4") is not None


def test_principals_of_graphs_documented_answer() -> None:
    """Group items as transitiveMemberOf/microsoft.graph.group returns them with $select; one without an id is skipped."""
    answer = [{"@odata.type": "#microsoft.graph.group", "id": "11111111-2222-3333-4444-555555555555",
               "displayName": "Contoso Marketing", "mailNickname": "ContosoMarketing"},
              {"id": "66666666-7777-8888-9999-000000000000", "displayName": "All Company", "mailNickname": None},
              {"displayName": "No id"}]

    assert principals_of(answer) == {"aad-group:11111111-2222-3333-4444-555555555555", "aad-group:contoso marketing",
                                     "aad-group:contosomarketing", "aad-group:66666666-7777-8888-9999-000000000000",
                                     "aad-group:all company"}


# -- failures --------------------------------------------------------------------------------------
def test_a_missing_permission_grants_no_group_keeps_answering_and_is_logged_once(
        teams_bot: TeamsBotFactory, secure_runtime: Runtime, graph: FakeGraph, tmp_path: Path) -> None:
    graph.denied = True
    with capture_logs() as logs:
        bot, _ = start(teams_bot, secure_runtime, graph, access_file(tmp_path, graph))
        restricted = ask(bot, CAROL)
        public = ask(bot, CAROL, PUBLIC_QUESTION)
        ask(bot, BOB, PUBLIC_QUESTION)

    assert not cites_restricted(restricted)
    assert "git.corp.com/it/vpn.md" in public  # answers still work, from what Carol holds without groups
    denied = [entry for entry in logs if entry["event"] == "teams.aad_groups_denied"]
    assert len(denied) == 1 and denied[0]["needed"] == "GroupMember.Read.All" and denied[0]["log_level"] == "error"
    assert membership_reads(graph) == 0  # no read per question after the refusal

    status = personal_message(bot.connector_url, "status", user="29:carol", aad=CAROL)
    bot.send(status)
    sent = bot.connector.wait_for(lambda s: any("AAD groups" in m.text for m in s))
    line = next(m.text for m in sent if "AAD groups" in m.text)
    assert "⚠️" in line and "GroupMember.Read.All" in line


def test_a_refusal_at_the_first_read_is_logged_once_and_grants_nothing(graph: FakeGraph) -> None:
    """No startup check here: the question's own read is refused, and later questions make no read."""
    graph.denied = True
    groups = reader(graph, Clock())

    async def questions() -> list[tuple[str, ...]]:
        return [await groups.principals(CAROL, TENANT) for _ in range(3)]

    with capture_logs() as logs:
        held = asyncio.run(questions())

    assert held == [()] * 3 and membership_reads(graph) == 1
    assert len([entry for entry in logs if entry["event"] == "teams.aad_groups_denied"]) == 1
    assert groups.health().failure == "Authorization_RequestDenied"


def test_a_throttled_read_grants_no_group_and_waits_for_retry_after(
        teams_bot: TeamsBotFactory, secure_runtime: Runtime, graph: FakeGraph, tmp_path: Path) -> None:
    bot, clock = start(teams_bot, secure_runtime, graph, access_file(tmp_path, graph))
    graph.rate_limit(times=1, retry_after=120)
    with capture_logs() as logs:
        assert not cites_restricted(ask(bot, CAROL))
        clock.advance(100)
        assert not cites_restricted(ask(bot, CAROL))
        assert membership_reads(graph) == 1  # no retry before Retry-After, however many questions

        clock.advance(21)
        assert cites_restricted(ask(bot, CAROL))

    assert membership_reads(graph) == 2
    failures = [entry for entry in logs if entry["event"] == "teams.aad_groups_failed"]
    assert len(failures) == 1 and failures[0]["error"] == "TooManyRequests" and failures[0]["retry_in"] == 120


def test_an_unreachable_graph_grants_no_group_and_is_not_retried_per_question() -> None:
    graph = Graph(AppCredentials(CLIENT_ID, CLIENT_SECRET, TENANT), graph_url="http://127.0.0.1:9",
                  token_url="http://127.0.0.1:9/{tenant}/oauth2/v2.0/token")
    groups = AadGroups(graph, TTL, clock=Clock())

    async def questions() -> list[tuple[str, ...]]:
        return [await groups.principals(CAROL, TENANT) for _ in range(5)]

    with capture_logs() as logs:
        held = asyncio.run(questions())

    assert held == [()] * 5
    assert len([entry for entry in logs if entry["event"] == "teams.aad_groups_failed"]) == 1


def test_a_wrong_secret_grants_no_group(graph: FakeGraph) -> None:
    wrong = Graph(AppCredentials(CLIENT_ID, "not-the-secret", TENANT), graph_url=graph.url, token_url=graph.token_url())
    groups = AadGroups(wrong, TTL, clock=Clock())

    assert asyncio.run(groups.principals(CAROL, TENANT)) == ()
    assert groups.health().failure == "invalid_client" and membership_reads(graph) == 0


# -- kb status -------------------------------------------------------------------------------------
def test_kb_status_reports_a_missing_permission(graph: FakeGraph, tmp_path: Path) -> None:
    graph.denied = True
    env = {"KB_TEAMS_AAD_GROUPS": "true", "MICROSOFT_APP_ID": CLIENT_ID, "MICROSOFT_APP_PASSWORD": CLIENT_SECRET,
           "MICROSOFT_APP_TENANT_ID": TENANT, "KB_GRAPH_URL": graph.url, "KB_GRAPH_TOKEN_URL": graph.token_url()}
    result = CliRunner().invoke(kb_cli, ["status", "--json", "--data-dir", str(tmp_path / "index")], env=env,
                                catch_exceptions=False)

    report = json.loads(result.stdout.strip().splitlines()[-1])["teams_aad_groups"]
    assert report["ok"] is False and report["error"] == "Authorization_RequestDenied"
    assert "GroupMember.Read.All" in report["summary"]


def test_kb_status_reports_missing_app_credentials(tmp_path: Path) -> None:
    result = CliRunner().invoke(kb_cli, ["status", "--json", "--data-dir", str(tmp_path / "index")],
                                env={"KB_TEAMS_AAD_GROUPS": "true", "MICROSOFT_APP_ID": "", "MICROSOFT_APP_PASSWORD": ""},
                                catch_exceptions=False)

    report = json.loads(result.stdout.strip().splitlines()[-1])["teams_aad_groups"]
    assert report["ok"] is False and "MICROSOFT_APP_TENANT_ID" in report["summary"]
