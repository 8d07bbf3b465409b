"""Slack's side of the reply port (`bot.conversation.ports`): Web API calls, nothing decided here.

`SlackReply` answers one message in its thread: a draft edited with chat.update, :mag: on a slow
question, the thread read back with conversations.replies. `SlackCommandReply` answers `/kb` through
the command's ack (only the person who typed it sees it) and reports a reindex by direct message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import structlog
from slack_bolt.async_app import AsyncAck
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.access import Asker
from bot.access.people import TTLCache
from bot.answer.model import Answer
from bot.conversation.wording import GroupsHealth
from bot.surfaces.slack import blocks, people
from bot.surfaces.slack.client import api_error
from bot.surfaces.slack.groups import SlackUserGroups
from bot.surfaces.slack.text import thread_history

log = structlog.get_logger(__name__)

LOOKING_REACTION = "mag"
HISTORY_LIMIT = 50


async def post(client: AsyncWebClient, replace: str | None = None, **kwargs: Any) -> None:
    """chat.postMessage, or chat.update of the message `replace` (a draft) with the same content."""
    try:
        if replace is None:
            await client.chat_postMessage(**kwargs)
        else:
            for option in ("thread_ts", "unfurl_links", "unfurl_media"):  # chat.update has none of these
                kwargs.pop(option, None)
            await client.chat_update(ts=replace, **kwargs)
    except SlackApiError as error:
        log.error("slack.post_failed", error=api_error(error), channel=kwargs.get("channel"))


async def post_in_channel(client: AsyncWebClient, channel: str, text: str) -> bool:
    """A new message in `channel` (the weekly digest); False when Slack refused it."""
    try:
        await client.chat_postMessage(channel=channel, text=text, unfurl_links=False, unfurl_media=False)
        return True
    except SlackApiError as error:
        log.error("slack.channel_post_failed", error=api_error(error), channel=channel)
        return False


async def ephemeral(client: AsyncWebClient, channel: str, user: str, thread_ts: str | None, **kwargs: Any) -> None:
    try:
        await client.chat_postEphemeral(channel=channel, user=user, **({"thread_ts": thread_ts} if thread_ts else {}),
                                        **kwargs)
    except SlackApiError as error:
        log.warning("slack.ephemeral_failed", error=api_error(error))


class _SlackPort:
    """What both replies share: the asker's directory entry, groups health, reindex reports and the
    question report by DM."""

    markup = blocks.MARKUP
    privately = "in a direct message"

    def __init__(self, client: AsyncWebClient, user: str, cache: TTLCache, usergroups: SlackUserGroups | None) -> None:
        self.client = client
        self.user = user
        self.cache = cache
        self.usergroups = usergroups
        self._progress: tuple[str, str] | None = None

    async def directory_names(self) -> Sequence[str]:
        found = await people.person(self.client, self.cache, self.user) if self.user else None
        return [found.email] if found is not None and found.email else []

    def groups_health(self) -> GroupsHealth | None:
        return self.usergroups.health() if self.usergroups is not None else None

    async def say_privately(self, text: str) -> None:
        await post(self.client, channel=self.user, text=text, unfurl_links=False, unfurl_media=False)

    async def report(self, text: str, details: Sequence[str] = (), *, progress: bool = False) -> None:
        if not progress:
            await self.client.chat_postMessage(channel=self.user, text=text, blocks=blocks.report_blocks(text, details))
        elif self._progress is None:
            response = await self.client.chat_postMessage(channel=self.user, text=text)
            self._progress = (str(response["channel"]), str(response["ts"]))
        else:
            channel, ts = self._progress
            await self.client.chat_update(channel=channel, ts=ts, text=text)


class SlackCommandReply(_SlackPort):
    """`/kb`: the answer is the command's ack (ephemeral), so it must come within Slack's 3 seconds."""

    def __init__(self, ack: AsyncAck, client: AsyncWebClient, user: str, cache: TTLCache,
                 usergroups: SlackUserGroups | None) -> None:
        super().__init__(client, user, cache, usergroups)
        self.ack = ack

    async def say(self, text: str, *, replace_draft: bool = False) -> None:
        await self.ack(response_type="ephemeral", text=text)


class SlackReply(_SlackPort):
    """One message or mention, answered in its thread."""

    def __init__(self, client: AsyncWebClient, event: Mapping[str, Any], bot_user_id: str | None, cache: TTLCache,
                 usergroups: SlackUserGroups | None, looking_after: float) -> None:
        super().__init__(client, str(event.get("user") or ""), cache, usergroups)
        self.event = event
        self.channel = str(event["channel"])
        self.ts = str(event["ts"])
        self.thread_ts = str(event.get("thread_ts") or self.ts)
        self.bot_user_id = bot_user_id
        self.looking_after = looking_after
        self.draft_ts: str | None = None

    async def say(self, text: str, *, replace_draft: bool = False) -> None:
        await post(self.client, channel=self.channel, thread_ts=self.thread_ts, text=text,
                   replace=self.draft_ts if replace_draft else None)

    async def draft(self, text: str) -> None:
        shown = blocks.draft_text(text)
        if self.draft_ts is None:
            response = await self.client.chat_postMessage(channel=self.channel, thread_ts=self.thread_ts, text=shown,
                                                          unfurl_links=False, unfurl_media=False)
            self.draft_ts = str(response["ts"])
        else:
            await self.client.chat_update(channel=self.channel, ts=self.draft_ts, text=shown)

    async def answer(self, answer: Answer, answer_id: str) -> None:
        ref = None
        if answer.citations:
            ref = blocks.FeedbackRef(answer_id, answer.question, answer.cited_documents(blocks.MAX_SOURCES),
                                     self.user)
        await post(self.client, channel=self.channel, thread_ts=self.thread_ts, text=blocks.answer_text(answer),
                   blocks=blocks.answer_blocks(answer, ref), unfurl_links=False, unfurl_media=False,
                   replace=self.draft_ts)
        log.info("slack.answered", channel=self.channel, citations=len(answer.citations), no_answer=answer.no_answer,
                 generated=answer.generated, streamed=self.draft_ts is not None)

    async def history(self) -> list[str] | None:
        """Earlier messages of the thread, for follow-ups; none for a new top-level question."""
        if self.thread_ts == self.ts:
            return []
        try:
            response = await self.client.conversations_replies(channel=self.channel, ts=self.thread_ts,
                                                               limit=HISTORY_LIMIT)
        except SlackApiError as error:  # no history is a worse answer, not a failed one
            log.warning("slack.history_failed", error=api_error(error))
            return []
        return thread_history(response.get("messages") or [], self.ts, self.bot_user_id)

    async def asker(self) -> Asker:
        return await people.asker(self.client, self.cache, self.event, self.usergroups)

    async def looking(self, on: bool) -> None:
        method = self.client.reactions_add if on else self.client.reactions_remove
        try:
            await method(channel=self.channel, timestamp=self.ts, name=LOOKING_REACTION)
        except SlackApiError as error:
            log.warning("slack.reaction_failed", error=api_error(error))
            if on:
                raise
