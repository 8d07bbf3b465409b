"""Everything kb says in a chat, in one place: one sentence per situation, whichever surface says it.

Surfaces differ only in markup (Slack's mrkdwn and `:emoji:` codes, Teams' markdown), how a
command is typed (`/kb status` or `status`) and where a reindex reports; a `Markup` carries
those, so the words themselves are written once and read the same on both.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # the summary's type only: importing the sync would load LanceDB for every sentence
    from bot.index.sync import SyncSummary

# -- questions -----------------------------------------------------------------------------------------
RATE_LIMITED = ("You're asking faster than I can look things up. Give me a minute, then ask again "
                "(I'll skip the questions sent in the meantime).")
SORRY = "Sorry, something went wrong while I was looking that up. Please try again in a moment."
NOT_FOUND = "I couldn't find an answer to that in the runbooks."
"""What a card shows when an answer has no text at all."""

# -- feedback and hand-over ----------------------------------------------------------------------------
OFFER = "Sorry that didn't help. Should I pass your question to a person?"
"""What a surface offers after "not helpful" (Slack privately, Teams on the answer card)."""
ALREADY_PASSED = "I've already passed this question to a person; they'll follow up with you privately."
NOT_THE_ASKER = ("Only the person who asked this question can pass it to a person. If you need help with it too, "
                 "ask me yourself and I'll answer you.")


def no_queues(help_channels: str) -> str:
    """The reply to "ask a person" when no help queue is set up, pointing at KB_HELP_CHANNELS when there are some."""
    reply = "I can't hand questions to a person yet (no help queues are set up)."
    if help_channels.strip():
        reply += f" Please ask in {help_channels.strip()} and mention what you were looking for."
    return reply


HELPFUL = "👍 Helpful"
NOT_HELPFUL = "👎 Not helpful"
ASK_A_PERSON = "🙋 Ask a person"
"""The feedback and hand-over buttons' labels."""


def feedback_thanks(helpful: bool) -> str:
    """Said where the feedback buttons were, on both surfaces."""
    return "Thanks — marked helpful." if helpful else "Thanks — marked not helpful; the runbook owners will see it."


# -- markup ----------------------------------------------------------------------------------------------
def _plain(text: str) -> str:
    return text


@dataclass(frozen=True)
class Markup:
    """How one surface writes what the sentences below say."""

    command: str
    """What comes before a command word: "/kb " in Slack, nothing in Teams (a message to the bot)."""
    how_to_ask: str
    """The help's first item: how questions reach kb on this surface."""
    reports_to: str
    """Where a reindex's progress and summary go, as the end of a sentence."""
    groups: str
    """The name of the group directory kb reads on this surface (status)."""
    bold: Callable[[str], str]
    bullet: str
    line_break: str
    """Between the lines of a status or help message."""
    marks: Mapping[str, str] = field(default_factory=dict)
    """progress, failed, warning, done: the emoji this surface writes them with."""
    escape: Callable[[str], str] = _plain
    """Makes text from outside (source names, errors) literal in this markup."""
    escape_text: Callable[[str], str] = _plain
    """Makes what people wrote (questions, document titles) literal in running text: the question report."""


# -- commands --------------------------------------------------------------------------------------------
COMMANDS = ("help", "status", "reindex", "report")
SOURCE_KINDS = ("local", "confluence", "gdrive", "notion")


def help_text(markup: Markup) -> str:
    items = [markup.how_to_ask,
             f"`{markup.command}status`: what is indexed and when each source last synced.",
             f"`{markup.command}reindex [{'|'.join(SOURCE_KINDS)}]`: bring the index up to date (kb admins only).",
             f"`{markup.command}report [7d]`: what people asked and kb could not answer, sent to you privately "
             "(kb admins only).",
             f"`{markup.command}help`: this message."]
    intro = f"{markup.bold('kb')} answers IT and HR questions from the company runbooks, with sources."
    return markup.line_break.join([intro, *(markup.bullet + item for item in items)])


def welcome(markup: Markup) -> str:
    return ("Hi, I'm kb. Ask me an IT or HR question and I'll answer from the company runbooks, with sources."
            + "\n\n" + help_text(markup))


def unknown_command(markup: Markup, word: str) -> str:
    return f"I don't know `{markup.command}{markup.escape(word)}`.\n\n{help_text(markup)}"


def reindex_refused(markup: Markup) -> str:
    return (f"Sorry, only kb admins can reindex (the KB_ADMINS setting). Ask one of them, or use `{markup.command}status` "
            "to see when the index last synced.")


def reindex_busy(holder: str) -> str:
    return (f"A reindex is already running (started by {holder}); I won't start a second one. "
            "Its summary goes to whoever started it.")


def reindex_unknown_source(error: object) -> str:
    return f"I can't reindex that: {error}."


def reindex_started(markup: Markup, source: str | None) -> str:
    return f"Reindexing {sources_named(source)}. I'll {markup.reports_to}."


REPORT_REFUSED = ("Sorry, only kb admins can see the question report (the KB_ADMINS setting). "
                  "Ask one of them to run `kb report`.")

REPORT_USAGE = "Use a period like `7d`, `24h` or `2w` after report, or nothing for the last 7 days."


def report_sending(where: str) -> str:
    """`where`: how the report reaches the asker privately, as the end of a sentence."""
    return f"I'll send you the question report {where}."


def report_private_only(markup: Markup) -> str:
    return ("The question report names what people asked, so I only send it privately: "
            f"message me `{markup.command}report` in a personal chat.")


# -- reindex and status ----------------------------------------------------------------------------------
def sources_named(source: str | None) -> str:
    return f"{source} sources" if source else "all sources"


def progress_sentence(source: str | None, documents: int, chunks: int, seconds: float) -> str:
    """What a running reindex has done so far."""
    return (f"Reindexing {sources_named(source)}: {documents:,} documents read, {chunks:,} chunks embedded "
            f"({seconds:.0f}s so far)")


def outcome_sentence(source: str | None, summary: SyncSummary) -> str:
    """A finished reindex's counts (each surface adds its own marks)."""
    permissions = f"{summary.permissions_updated} with new permissions, " if summary.permissions_updated else ""
    return (f"Reindex of {sources_named(source)} finished in {summary.seconds:.1f}s: {summary.added} added, "
            f"{summary.changed} changed, {summary.deleted} deleted, {summary.unchanged} unchanged, {permissions}"
            f"{len(summary.errors)} errors; {summary.chunks_embedded} chunks embedded.")


def reindex_progress(markup: Markup, source: str | None, documents: int, chunks: int, seconds: float) -> str:
    return f"{markup.marks.get('progress', '')} {progress_sentence(source, documents, chunks, seconds)}".strip()


def reindex_summary(markup: Markup, source: str | None, summary: SyncSummary | None,
                    error: str | None) -> tuple[str, list[str]]:
    """The summary line and up to ten of its errors (plus how many more), so an admin sees what failed."""
    if summary is None:
        return f"{markup.marks.get('failed', '')} Reindex of {sources_named(source)} failed: {error or 'unknown error'}", []
    mark = markup.marks.get("warning" if summary.errors else "done", "")
    shown = [" ".join(error.split())[:300] for error in summary.errors[:10]]
    if len(summary.errors) > 10:
        shown.append(f"…and {len(summary.errors) - 10} more")
    return f"{mark} {outcome_sentence(source, summary)}", shown


def last_syncs(sources: Mapping[str, Mapping[str, Any]]) -> list[tuple[str, str, str]]:
    """(source, when it last synced, "ok" or "FAILED") per source of `Store.last_runs`, by name."""
    rows = []
    for scope, run in sorted(sources.items()):
        last = run.get("last_run")
        when = last.strftime("%Y-%m-%d %H:%M UTC") if isinstance(last, datetime) else "never"
        rows.append((scope, when, "ok" if run.get("ok") else "FAILED"))
    return rows


class GroupsHealth(Protocol):
    ok: bool

    def summary(self) -> str: ...


def status_text(markup: Markup, documents: int, chunks: int, model: str | None, sources: Mapping[str, Mapping[str, Any]],
                reindex: str | None, groups: GroupsHealth | None = None) -> str:
    lines = [f"{markup.bold('Index:')} {documents:,} documents, {chunks:,} chunks" + (f" (model `{model}`)" if model else "")]
    lines.extend(f"{markup.bullet}`{markup.escape(scope)}`: last sync {when} ({ok})" for scope, when, ok in last_syncs(sources))
    if not sources:
        lines.append(f"{markup.bullet}no sync has run yet")
    if reindex:
        lines.append(f"{markup.marks.get('progress', '')} {markup.escape(reindex)}".strip())
    if groups is not None:
        warning = "" if groups.ok else markup.marks.get("warning", "") + " "
        lines.append(f"{warning}{markup.bold(markup.groups + ':')} {markup.escape(groups.summary())}")
    return markup.line_break.join(lines)


def reindex_running(requested_by: str, seconds: float, documents: int) -> str:
    return f"Reindex by {requested_by} running for {seconds:.0f}s: {documents} documents read"

