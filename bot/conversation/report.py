"""The question report in chat: the summary an admin's `report` command gets, and the weekly digest.

Both say the same thing (`bot.analytics.text.summary_lines`: the figures, the top gaps with an
example each, the queues, where the full report is), written in the surface's markup. The digest is
posted by the scheduler (KB_REPORT_CRON) through each running surface's `ChannelPost`, to
KB_REPORT_SLACK_CHANNEL and KB_REPORT_TEAMS_CHANNEL; a failed post is logged, never retried into a
second copy.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import structlog

from bot.analytics.report import build_report
from bot.analytics.text import full_report_hint, summary_lines
from bot.conversation.ports import ChannelPost
from bot.conversation.wording import Markup
from bot.runtime import Runtime

log = structlog.get_logger(__name__)

DEFAULT_PERIOD = WEEK = timedelta(days=7)


async def report_summary(runtime: Runtime, period: timedelta, markup: Markup) -> str:
    """The summary of the `period` ending now, in `markup` (the report is read off the loop)."""
    report = await asyncio.to_thread(build_report, runtime.store, runtime.records, runtime.settings, period=period,
                                     embedder=lambda: runtime.embedder)
    lines = summary_lines(report, escape=markup.escape_text, full_report=full_report_hint(runtime.settings))
    return markup.line_break.join(lines)


async def post_weekly_digest(runtime: Runtime, surfaces: list[ChannelPost] | None = None) -> list[str]:
    """Post the last week's summary to each running surface's report channel; the surfaces it reached.

    `surfaces`: those `kb serve` runs (`runtime.chat_surfaces`, set by bot.server) unless given.
    """
    channels = {"slack": runtime.settings.report_slack_channel, "teams": runtime.settings.report_teams_channel}
    running: list[ChannelPost] = list(runtime.chat_surfaces if surfaces is None else surfaces)
    reached = []
    for surface in running:
        channel = channels.get(surface.name)
        if not channel:
            continue
        if await surface.post_in_channel(channel, await report_summary(runtime, WEEK, surface.markup)):
            reached.append(surface.name)
    if not reached:
        log.warning("digest.not_posted", channels=[name for name, channel in channels.items() if channel],
                    surfaces=[surface.name for surface in running],
                    hint="set KB_REPORT_SLACK_CHANNEL or KB_REPORT_TEAMS_CHANNEL for a surface kb runs, "
                         "and add the bot to that channel")
    log.info("digest.posted", surfaces=reached)
    return reached
