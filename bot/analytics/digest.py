"""The weekly digest: the last seven days' summary posted to the admin channels (bot/scheduler.py runs it).

Slack gets it in KB_REPORT_SLACK_CHANNEL through the Web API; Teams in KB_REPORT_TEAMS_CHANNEL, as a
message the bot starts in that channel (the connector and tenant as for queue cards). Each runs only
where that surface is running in this process, and a failed post is logged, never retried into a
second copy.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import structlog

from bot.analytics.chat import summary_text

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = structlog.get_logger(__name__)

WEEK = timedelta(days=7)


async def post_weekly_digest(runtime: Runtime) -> list[str]:
    """Post the digest to every configured report channel; the surfaces it reached."""
    settings = runtime.settings
    surfaces = {surface.name: surface for surface in runtime.chat_surfaces}
    reached = []
    if settings.report_slack_channel and "slack" in surfaces:
        if await _to_slack(surfaces["slack"], settings.report_slack_channel, runtime):
            reached.append("slack")
    if settings.report_teams_channel and "teams" in surfaces:
        if await _to_teams(surfaces["teams"], settings.report_teams_channel, runtime):
            reached.append("teams")
    if not reached:
        log.warning("digest.not_posted", slack_channel=bool(settings.report_slack_channel),
                    teams_channel=bool(settings.report_teams_channel), surfaces=sorted(surfaces),
                    hint="set KB_REPORT_SLACK_CHANNEL or KB_REPORT_TEAMS_CHANNEL for a surface kb runs")
    log.info("digest.posted", surfaces=reached)
    return reached


async def _to_slack(surface: Any, channel: str, runtime: Runtime) -> bool:
    from slack_sdk.errors import SlackApiError

    from bot.surfaces.slack_blocks import escape
    from bot.surfaces.slack_client import api_error

    text = await summary_text(runtime, WEEK, escape)
    try:
        await surface.client.chat_postMessage(channel=channel, text=text, unfurl_links=False, unfurl_media=False)
        return True
    except SlackApiError as error:
        log.error("digest.slack_failed", error=api_error(error))
        return False


async def _to_teams(surface: Any, channel: str, runtime: Runtime) -> bool:
    from botbuilder.core import MessageFactory, TurnContext
    from botbuilder.schema import ChannelAccount, ConversationAccount, ConversationReference

    from bot.surfaces.teams_cards import md_escape

    where = surface.proactive()
    if where is None:
        log.error("digest.teams_failed", reason="no serviceUrl known",
                  hint="set KB_TEAMS_SERVICE_URL, or wait until the bot has received one Teams message")
        return False
    text = await summary_text(runtime, WEEK, md_escape, newline="\n\n")
    reference = ConversationReference(
        channel_id="msteams", service_url=where.service_url, bot=ChannelAccount(id=where.bot_id, name=where.bot_name),
        conversation=ConversationAccount(id=channel, is_group=True, conversation_type="channel",
                                         tenant_id=where.tenant or None))

    async def send(context: TurnContext) -> None:
        context.activity.id = None  # a new post in the channel, not a reply
        await context.send_activity(MessageFactory.text(text))

    try:
        await surface.continue_with(reference, send)
        return True
    except Exception as error:  # the connector refused, or the channel is unknown
        log.error("digest.teams_failed", error_type=type(error).__name__, error=str(error)[:300])
        return False


async def purge_expired_questions(runtime: Runtime) -> int:
    """The daily job: questions past KB_QUESTION_RETENTION_DAYS deleted (also with recording off)."""
    return await asyncio.to_thread(runtime.question_recorder.purge)
