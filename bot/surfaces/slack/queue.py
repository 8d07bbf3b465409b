"""Slack's side of escalations: queue posts with Claim/Resolve buttons, and the asker's thread.

`SlackQueueNotifier` implements `bot.policy.queues.QueueNotifier` with slack_sdk's synchronous
WebClient, because the escalation desk runs in worker threads (the ticket table is LanceDB) and
the scheduler's reminders run there too. The buttons carry only the ticket id: everything else is
read from the ticket table, so a click after a restart works the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

import structlog
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler, ServerErrorRetryHandler

from bot.config import Settings
from bot.policy.queues import Queue
from bot.policy import ticket_view as view
from bot.records.tickets import CLAIMED, QueuePost, Ticket
from bot.surfaces.slack.blocks import SECTION_LIMIT, escape, link
from bot.surfaces.slack.client import api_error

log = structlog.get_logger(__name__)

ACTION_CLAIM = "kb_ticket_claim"
ACTION_RESOLVE = "kb_ticket_resolve"
BLOCK_TICKET = "kb_ticket"

Block = dict[str, Any]


# -- Block Kit (pure) --------------------------------------------------------------------------------
def _when(moment: datetime | None) -> str:
    if moment is None:
        return ""
    stamp = int(moment.timestamp())
    fallback = moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{stamp}^{{date_short_pretty}} {{time}}|{fallback}>"


def person(who: str | None) -> str:
    """A Slack mention for Slack ids; a name (a Teams clicker, a Teams asker) as plain text."""
    if not who:
        return "someone"
    return f"<@{who}>" if view.is_slack_user(who) else escape(who)


def ticket_text(ticket: Ticket, queue: Queue, *, reminder: bool = False) -> str:
    """The notification text of a queue post (the question stays in the blocks, inside the channel)."""
    prefix = "Reminder, still unclaimed: " if reminder else ""
    return f"{prefix}{view.topic(ticket)} question from {person(view.asker_name(ticket))} for {queue.name} ({ticket.status})"


def ticket_blocks(ticket: Ticket, queue: Queue, *, reminder: bool = False) -> list[Block]:
    """Who asked and where, the question, the category, the state, and the buttons the state allows."""
    heading = f":alarm_clock: *Still unclaimed* since {_when(ticket.created_at)}\n" if reminder else ""
    where = f" · {link(ticket.link, 'open the thread')}" if ticket.link else ""
    reason = f" ({view.reason_note(ticket)})" if view.reason_note(ticket) else ""
    question = escape(ticket.question)
    quoted = "\n".join(f"> {line}" for line in question.split("\n"))
    blocks: list[Block] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": (
            f"{heading}*{escape(view.topic(ticket).capitalize())}* question for *{escape(queue.name)}* "
            f"from {person(view.asker_name(ticket))}{where}{reason}"
        )[:SECTION_LIMIT]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": quoted[:SECTION_LIMIT]}},
    ]
    state = f"Ticket `{ticket.id}` · opened {_when(ticket.created_at)}"
    held = view.holder(ticket)
    if held is not None:
        status, who = held
        mark = ":raising_hand:" if status == CLAIMED else ":white_check_mark:"
        when = ticket.claimed_at if status == CLAIMED else ticket.resolved_at
        state += f" · {mark} {status} by {person(who)} {_when(when)}"
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": state}]})
    styles = {view.CLAIM: (ACTION_CLAIM, "Claim", {"style": "primary"}), view.RESOLVE: (ACTION_RESOLVE, "Resolve", {})}
    buttons = [{"type": "button", "action_id": styles[verb][0], **styles[verb][2], "value": ticket.id,
                "text": {"type": "plain_text", "text": styles[verb][1]}} for verb in view.allowed_actions(ticket)]
    if buttons:
        blocks.append({"type": "actions", "block_id": BLOCK_TICKET, "elements": buttons})
    return blocks


# -- the notifier ------------------------------------------------------------------------------------
class SlackQueueNotifier:
    surface = "slack"

    def __init__(self, settings: Settings) -> None:
        base_url = settings.slack_api_url if settings.slack_api_url.endswith("/") else settings.slack_api_url + "/"
        self.client = WebClient(token=settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None,
                                base_url=base_url, timeout=10,
                                retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=3),
                                                ServerErrorRetryHandler(max_retry_count=2)])
        self._workspace_url: str | None = None

    def post_ticket(self, ticket: Ticket, queue: Queue, *, reminder: bool = False) -> QueuePost | None:
        try:
            response = self.client.chat_postMessage(channel=queue.slack_channel, text=ticket_text(ticket, queue, reminder=reminder),
                                                    blocks=ticket_blocks(ticket, queue, reminder=reminder),
                                                    unfurl_links=False, unfurl_media=False)
        except SlackApiError as error:
            log.error("slack.queue_post_failed", ticket=ticket.id, queue=queue.key, error=api_error(error))
            return None
        return QueuePost("slack", str(response["channel"]), str(response["ts"]))

    def update_ticket(self, ticket: Ticket, queue: Queue, post: QueuePost) -> None:
        try:
            self.client.chat_update(channel=post.channel, ts=post.ts, text=ticket_text(ticket, queue),
                                    blocks=ticket_blocks(ticket, queue))
        except SlackApiError as error:
            log.warning("slack.queue_update_failed", ticket=ticket.id, error=api_error(error))

    def tell_user(self, ticket: Ticket, text: str) -> None:
        channel, thread_ts = ticket.conversation.get("channel"), ticket.conversation.get("thread_ts")
        if not channel:
            return
        try:
            self.client.chat_postMessage(channel=channel, text=text, **({"thread_ts": thread_ts} if thread_ts else {}))
        except SlackApiError as error:
            log.warning("slack.ticket_user_message_failed", ticket=ticket.id, error=api_error(error))

    def thread_link(self, conversation: Mapping[str, str]) -> str:
        """The thread's web link, built from the workspace URL (auth.test, asked once)."""
        channel, thread_ts = conversation.get("channel"), conversation.get("thread_ts")
        if not channel or not thread_ts:
            return ""
        if self._workspace_url is None:
            try:
                self._workspace_url = str(self.client.auth_test().get("url") or "")
            except SlackApiError as error:
                log.warning("slack.auth_test_failed", error=api_error(error))
                return ""
        if not self._workspace_url:
            return ""
        base = self._workspace_url if self._workspace_url.endswith("/") else self._workspace_url + "/"
        return f"{base}archives/{channel}/p{thread_ts.replace('.', '')}"
