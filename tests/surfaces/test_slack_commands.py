"""/kb over the wire: help, status, and a reindex only admins may run, one at a time, with a report."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from bot.index.sources import local_folder
from bot.index.sync_lock import sync_lock
from bot.runtime import Runtime
from connectors.base import Document, Skipped
from tests.surfaces.conftest import ADMIN, SlackBotFactory


def to(user: str):  # noqa: ANN201 - a predicate for FakeSlackAPI.wait_for
    """Messages posted to a user id land in the app's DM with them (channel D…)."""
    return lambda call: call.args.get("channel") == user


def summary_of(bot, user: str) -> str:  # noqa: ANN001
    [summary] = bot.fake.wait_for("chat.postMessage", lambda c: to(user)(c) and "Reindex of" in c.args["text"])
    return summary.args["text"]


def test_help_lists_the_commands_ephemerally(slack_bot: SlackBotFactory) -> None:
    bot = slack_bot()

    reply = bot.command("help", user="U0000ASKER")

    assert reply.status == 200
    body = reply.json()
    assert body.get("response_type", "ephemeral") == "ephemeral"
    assert "/kb reindex" in body["text"] and "/kb status" in body["text"]
    assert bot.command("", user="U0000ASKER").json()["text"] == body["text"]
    assert "I don't know `/kb frobnicate`" in bot.command("frobnicate", user="U0000ASKER").json()["text"]


def test_status_reports_the_index(slack_bot: SlackBotFactory, example_runtime: Runtime) -> None:
    bot = slack_bot()

    text = bot.command("status", user="U0000ASKER").json()["text"]

    assert f"{example_runtime.store.count_documents():,} documents" in text
    assert "examples/runbooks" in text and "(ok)" in text


def test_reindex_from_a_non_admin_is_refused(slack_bot: SlackBotFactory, corpus_runtime: Runtime) -> None:
    bot = slack_bot(runtime=corpus_runtime)

    reply = bot.command("reindex", user="U0000ASKER")

    assert reply.status == 200
    assert "only kb admins can reindex" in reply.json()["text"]
    bot.drain()
    assert bot.fake.recorded("chat.postMessage") == []
    assert corpus_runtime.store.last_runs() == {}


def test_no_admins_configured_means_nobody_may_reindex(slack_bot: SlackBotFactory, corpus_runtime: Runtime) -> None:
    bot = slack_bot(runtime=corpus_runtime, admins=[])

    assert "only kb admins" in bot.command("reindex", user=ADMIN).json()["text"]
    assert corpus_runtime.store.last_runs() == {}


def test_reindex_from_an_admin_runs_and_reports_the_summary(slack_bot: SlackBotFactory, corpus_runtime: Runtime) -> None:
    bot = slack_bot(runtime=corpus_runtime)

    reply = bot.command("reindex", user=ADMIN)

    assert reply.status == 200 and "Reindexing all sources" in reply.json()["text"]
    text = summary_of(bot, ADMIN)
    assert "5 added, 0 changed, 0 deleted, 0 unchanged, 0 errors" in text
    assert corpus_runtime.store.count_documents() == 5
    bot.drain()
    assert corpus_runtime.store.count_documents() == 5


def test_admin_listed_by_email_may_reindex(slack_bot: SlackBotFactory, corpus_runtime: Runtime) -> None:
    bot = slack_bot(runtime=corpus_runtime, admins=["It.Lead@Example.com"])
    bot.fake.emails["U0000LEAD1"] = "it.lead@example.com"

    assert "Reindexing" in bot.command("reindex local", user="U0000LEAD1").json()["text"]
    assert "5 added" in summary_of(bot, "U0000LEAD1")
    assert "only kb admins" in bot.command("reindex", user="U0000ASKER").json()["text"]


def test_reindex_of_an_unknown_source_is_explained(slack_bot: SlackBotFactory, corpus_runtime: Runtime) -> None:
    bot = slack_bot(runtime=corpus_runtime)

    assert "unknown source 'sharepoint'" in bot.command("reindex sharepoint", user=ADMIN).json()["text"]
    assert "no notion sources are configured" in bot.command("reindex notion", user=ADMIN).json()["text"]
    assert corpus_runtime.store.last_runs() == {}


class GatedFolder:
    """A real local folder source that, after its documents, waits for the test to let it finish."""

    def __init__(self, root: Path, runtime: Runtime) -> None:
        self.inner = local_folder(str(root), runtime.settings)
        self.name = self.inner.name
        self.reached = threading.Event()
        self.release = threading.Event()

    def documents(self, since: datetime | None = None) -> Iterator[Document | Skipped]:
        yield from self.inner.documents(since)
        self.reached.set()
        assert self.release.wait(60), "the test never released the sync"

    def list_ids(self) -> set[str]:
        return self.inner.list_ids()


def test_second_reindex_while_one_runs_says_so_and_progress_is_reported(
    slack_bot: SlackBotFactory, corpus_runtime: Runtime, corpus: Path
) -> None:
    gated = GatedFolder(corpus, corpus_runtime)
    bot = slack_bot(runtime=corpus_runtime, services={"reindex_report_every": 0.05,
                                                      "reindex_connectors": lambda source: [gated]})
    assert "Reindexing" in bot.command("reindex", user=ADMIN).json()["text"]
    assert gated.reached.wait(30)

    second = bot.command("reindex", user=ADMIN).json()["text"]
    status = bot.command("status", user="U0000ASKER").json()["text"]
    # Progress: one message to the admin, then updated in place as the sync goes on.
    [progress] = bot.fake.wait_for("chat.postMessage", lambda c: to(ADMIN)(c) and "Reindexing" in c.args["text"])
    bot.fake.wait_for("chat.update", lambda c: (c.args["channel"], c.args["ts"]) == (progress.response["channel"],
                      progress.response["ts"]) and "5 documents read" in c.args["text"])
    gated.release.set()

    assert "already running" in second and f"<@{ADMIN}>" in second
    assert "Reindex by" in status
    assert "5 added" in summary_of(bot, ADMIN)
    bot.drain()
    assert len(bot.fake.recorded("chat.postMessage", lambda c: "Reindex of" in c.args["text"])) == 1


def test_reindex_while_another_process_syncs_says_so(slack_bot: SlackBotFactory, corpus_runtime: Runtime) -> None:
    bot = slack_bot(runtime=corpus_runtime)

    with sync_lock(corpus_runtime.settings.data_dir).hold("kb sync (cli)"):
        text = bot.command("reindex", user=ADMIN).json()["text"]

    assert "already running" in text and "kb sync (cli)" in text
    assert corpus_runtime.store.last_runs() == {}
    bot.drain()
    assert bot.fake.recorded("chat.postMessage") == []
