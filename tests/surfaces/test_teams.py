"""Teams, wire-level: the real server on a local port, real Bot Framework activity JSON POSTed to
/api/messages, and replies captured by a fake connector at the activity's serviceUrl.

Nothing in between is replaced: botbuilder's CloudAdapter authenticates (anonymously, as with an
empty MICROSOFT_APP_ID) and its ConnectorClient sends the replies over HTTP.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import SecretStr

from bot.conversation.services import ChatServices
from bot.runtime import Runtime
from bot.server import build_app
from bot.surfaces.teams import TeamsSurface
from tests.fakes.aio import LoopThread
from tests.fakes.teams_activities import card_submit, channel_mention, personal_message
from tests.fakes.teams_connector import FakeConnector, Sent

ADMIN_AAD = "aad-admin-0001"


@dataclass
class TeamsBot:
    url: str
    connector: FakeConnector
    connector_url: str
    surface: TeamsSurface
    services: ChatServices
    loop: LoopThread

    def post(self, body: str | bytes, headers: dict[str, str] | None = None) -> tuple[int, str]:
        data = body.encode() if isinstance(body, str) else body
        request = urllib.request.Request(self.url + "/api/messages", data=data, method="POST",
                                         headers={"Content-Type": "application/json", **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def send(self, activity: dict[str, Any], headers: dict[str, str] | None = None) -> int:
        return self.post(json.dumps(activity), headers)[0]

    def drain(self) -> None:
        assert self.loop.run(self.surface.drain(timeout=60))
        self.loop.run(self.services.reindexer.wait())


TeamsBotFactory = Callable[..., TeamsBot]


@pytest.fixture()
def teams_bot(example_runtime: Runtime) -> Iterator[TeamsBotFactory]:
    """Start bot + fake connector over the example runbooks index; keywords override settings."""
    with LoopThread() as loop:

        def start(runtime: Runtime | None = None, **overrides: Any) -> TeamsBot:
            base = runtime or example_runtime
            connector = FakeConnector()
            connector_url = loop.serve(connector.app())
            settings = base.settings.model_copy(update={
                "microsoft_app_id": "", "microsoft_app_password": None, "microsoft_app_tenant_id": "",
                "admins": [ADMIN_AAD], "mode": "development", **overrides})
            rt = Runtime(settings)
            rt.store, rt.embedder = base.store, base.embedder
            chat = ChatServices(rt)
            surface = loop.run(_make_surface(chat))
            url = loop.serve(build_app(rt, surfaces=[surface]))
            return TeamsBot(url, connector, connector_url, surface, chat, loop)

        yield start


async def _make_surface(chat: ChatServices) -> TeamsSurface:
    """Built on the server's loop, as `kb serve` does (its events belong to that loop)."""
    return TeamsSurface(chat)


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


def test_feedback_button_stores_feedback_through_chat_services(teams_bot: TeamsBotFactory) -> None:
    bot = teams_bot()
    bot.send(personal_message(bot.connector_url, "How do I set up the VPN?"))
    card = bot.connector.wait_for(lambda s: bool(_answers(s)))
    data = _answers(card)[0].cards[0]["actions"][1]["data"]

    assert bot.send(card_submit(bot.connector_url, data)) in (200, 201, 202)
    bot.connector.wait_for(lambda s: any("Thanks" in m.text for m in s))
    bot.drain()

    stored = bot.services.feedback.for_answer(data["answer_id"])
    assert len(stored) == 1
    assert stored[0].surface == "teams" and stored[0].helpful is False and stored[0].user == "aad-user-1"
    assert stored[0].doc_ids == data["doc_ids"]


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


def test_members_added_are_welcomed(teams_bot: TeamsBotFactory) -> None:
    bot = teams_bot()
    activity = personal_message(bot.connector_url, "")
    activity.update(type="conversationUpdate", membersAdded=[{"id": "29:user-1"}])
    bot.send(activity)
    bot.connector.wait_for(lambda s: any("I'm kb" in m.text for m in s))
    bot.drain()


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
