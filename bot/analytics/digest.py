"""The weekly digest: the last seven days' summary posted to the admin channels (bot/scheduler.py runs it).

Slack posts it in KB_REPORT_SLACK_CHANNEL, Teams in KB_REPORT_TEAMS_CHANNEL, each through the
surface running in this process (`ReportChannel`: the platform code stays in the surface). A failed
post is logged, never retried into a second copy.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import TYPE_CHECKING, Protocol

import structlog

from bot.analytics.chat import summary_text

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = structlog.get_logger(__name__)

WEEK = timedelta(days=7)


class ReportChannel(Protocol):
    """What a chat surface offers the digest: its markdown, and a post it starts in a channel."""

    name: str
    report_newline: str

    def report_escape(self, text: str) -> str:
        """Escape text people wrote (questions, titles) for this surface's markdown."""
        ...

    async def post_in_channel(self, channel: str, text: str) -> bool:
        """Post `text` as a new message in `channel`; False (logged) when it could not be posted."""
        ...


async def post_weekly_digest(runtime: Runtime) -> list[str]:
    """Post the digest to every configured report channel of a running surface; the surfaces it reached."""
    channels = {"slack": runtime.settings.report_slack_channel, "teams": runtime.settings.report_teams_channel}
    reached = []
    for surface in runtime.chat_surfaces:
        channel = channels.get(surface.name)
        if not channel:
            continue
        text = await summary_text(runtime, WEEK, surface.report_escape, surface.report_newline)
        if await surface.post_in_channel(channel, text):
            reached.append(surface.name)
    if not reached:
        log.warning("digest.not_posted", channels=[name for name, channel in channels.items() if channel],
                    surfaces=[surface.name for surface in runtime.chat_surfaces],
                    hint="set KB_REPORT_SLACK_CHANNEL or KB_REPORT_TEAMS_CHANNEL for a surface kb runs, "
                         "and add the bot to that channel")
    log.info("digest.posted", surfaces=reached)
    return reached


async def purge_expired_questions(runtime: Runtime) -> int:
    """The daily job: questions past KB_QUESTION_RETENTION_DAYS deleted (also with recording off)."""
    return await asyncio.to_thread(runtime.question_recorder.purge)
