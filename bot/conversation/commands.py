"""The chat commands, help, status, reindex and report, the same on every surface.

Slack has them as `/kb …`; Teams as a message of just the command word (and a source). Either way
the surface builds an `Incoming` and a `Reply`, and the answers, the admin check and the reindex
reports are decided here; only how they are typed and drawn (`Reply.markup`) differs. Reindex and
report are for KB_ADMINS (one check, `is_admin`); the report quotes what people asked, so it goes
only where the asker alone reads it (`CommandReply.privately`).
"""

from __future__ import annotations

import structlog

from bot import metrics
from bot.conversation import wording
from bot.conversation.admins import lists_emails
from bot.analytics.report import parse_period
from bot.conversation.ports import CommandReply, Incoming
from bot.conversation.reindex import AlreadyRunning, ReindexOutcome, ReindexRun, UnknownSource
from bot.conversation.report import DEFAULT_PERIOD, report_summary
from bot.conversation.services import ChatServices

log = structlog.get_logger(__name__)


def command_words(text: str) -> list[str] | None:
    """The command in a message to the bot (an empty one asks for help); None when it is a question."""
    words = text.split()
    if not words:
        return ["help"]
    if words[0].lower() in wording.COMMANDS and len(words) <= 2:
        return words
    return None


async def handle_command(incoming: Incoming, words: list[str], reply: CommandReply, services: ChatServices) -> None:
    """Run one command; `words` as typed (`/kb` text in Slack, the message in Teams)."""
    verb = words[0].lower() if words else "help"
    metrics.SURFACE_EVENTS.labels(incoming.surface, "command").inc()
    log.info("chat.command", surface=incoming.surface, verb=verb if verb in wording.COMMANDS else "other")
    if verb == "help":
        await reply.say(wording.help_text(reply.markup))
    elif verb == "status":
        await reply.say(await status_message(reply, services))
    elif verb == "reindex":
        await reindex(incoming, words[1].lower() if len(words) > 1 else None, reply, services)
    elif verb == "report":
        await report(incoming, words[1] if len(words) > 1 else None, reply, services)
    else:
        await reply.say(wording.unknown_command(reply.markup, words[0]))


async def status_message(reply: CommandReply, services: ChatServices) -> str:
    status = await services.status()
    running = None
    if status.reindex is not None:
        running = wording.reindex_running(status.reindex.requested_by, status.reindex.seconds,
                                          status.reindex.documents_seen)
    return wording.status_text(reply.markup, status.documents, status.chunks, status.model, status.sources, running,
                               reply.groups_health())


async def is_admin(incoming: Incoming, reply: CommandReply, services: ChatServices) -> bool:
    """KB_ADMINS lists the asker by id, or by an email the directory knows them by (asked only then)."""
    if services.is_admin(*incoming.identities):
        return True
    if not incoming.identities or not lists_emails(services.settings.admins):
        return False
    return services.is_admin(*incoming.identities, *await reply.directory_names())


async def reindex(incoming: Incoming, source: str | None, reply: CommandReply, services: ChatServices) -> None:
    if not await is_admin(incoming, reply, services):
        log.info("chat.reindex_refused", surface=incoming.surface)
        await reply.say(wording.reindex_refused(reply.markup))
        return

    async def progress(run: ReindexRun) -> None:
        await reply.report(wording.reindex_progress(reply.markup, source, run.documents_seen, run.chunks_embedded,
                                                    run.seconds), progress=True)

    async def done(outcome: ReindexOutcome) -> None:
        text, details = wording.reindex_summary(reply.markup, source, outcome.summary, outcome.error)
        await reply.report(text, details)

    try:
        services.reindexer.start(incoming.display or incoming.user, source, progress, done)
    except AlreadyRunning as busy:
        await reply.say(wording.reindex_busy(busy.holder))
        return
    except UnknownSource as error:
        await reply.say(wording.reindex_unknown_source(error))
        return
    await reply.say(wording.reindex_started(reply.markup, source))


async def report(incoming: Incoming, period_text: str | None, reply: CommandReply, services: ChatServices) -> None:
    """The question report's summary for `period_text` (`7d`, `24h`, `2w`; default a week), privately."""
    if not await is_admin(incoming, reply, services):
        log.info("chat.report_refused", surface=incoming.surface)
        await reply.say(wording.REPORT_REFUSED)
        return
    try:
        period = parse_period(period_text) if period_text else DEFAULT_PERIOD
    except ValueError:
        await reply.say(wording.REPORT_USAGE)
        return
    where = reply.privately
    if where is None:
        await reply.say(wording.report_private_only(reply.markup))
        return
    if where:  # the summary goes elsewhere: say so now (Slack wants the command answered within 3 s)
        await reply.say(wording.report_sending(where))
    await reply.say_privately(await report_summary(services.runtime, period, reply.markup))
