"""Teams' side of escalations: queue cards with Claim/Resolve, and the asker's conversation.

`TeamsQueueNotifier` implements `bot.policy.queues.QueueNotifier`, the mirror of
`bot.surfaces.slack.queue.SlackQueueNotifier`: what a post says (topic, asker, state, which buttons) comes from
`bot.policy.ticket_view`, the lifecycle from the escalation desk; this module only draws Adaptive
Cards and moves them over the Bot Framework.

Teams has no "post to channel X" call without context: a bot message needs the connector's
serviceUrl and the tenant. Both come from settings (KB_TEAMS_SERVICE_URL, MICROSOFT_APP_TENANT_ID)
or, failing those, from the last authenticated activity the bot received (remembered in the app's
records, so reminders after a restart still reach the queue). The asker is reached the same way:
a ticket opened in Teams keeps everything a conversation reference needs in its `conversation`.

The desk is synchronous (it runs in worker threads, because the ticket table is LanceDB), while
botbuilder is async on the server's event loop: the notifier hands each send to that loop and
waits for it, so it must never be called on the loop itself.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

import structlog

from bot.policy import ticket_view as view
from bot.policy.queues import Queue
from bot.records.tickets import CLAIMED, QueuePost, Ticket
from bot.surfaces.teams.botframework import BotFramework, Turn
from bot.surfaces.teams.cards import ACTION_KEY, CARD_VERSION, Card, md_escape, one_line

log = structlog.get_logger(__name__)

ACTION_TICKET = "ticket"
SEND_TIMEOUT = 30.0
"""Seconds one connector call may take before the desk gives up on that post (it logs, never raises)."""
QUESTION_CHARS = 3000
"""Teams rejects cards over ~28 KB; a question longer than this is cut in the card (kept whole in the ticket)."""
PROACTIVE_META = "teams_proactive"
"""Meta key of the remembered serviceUrl, tenant and bot account."""


def thread_link(conversation: Mapping[str, str]) -> str:
    """A Teams deep link to a channel thread; a personal chat has none a queue member could open."""
    channel, root = conversation.get("channel", ""), conversation.get("thread_ts", "")
    if conversation.get("conversation_type") != "channel" or not channel or not root:
        return ""
    params = {"tenantId": conversation.get("tenant", ""), "groupId": conversation.get("group_id", ""),
              "parentMessageId": root}
    query = urlencode({key: value for key, value in params.items() if value})
    return f"https://teams.microsoft.com/l/message/{quote(channel, safe='')}/{quote(root, safe='')}?{query}"


# -- the card (pure) -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TicketAction:
    """What a Claim or Resolve button carries back: the verb and the ticket id, nothing else."""

    verb: str
    ticket_id: str

    def data(self) -> dict[str, str]:
        return {ACTION_KEY: ACTION_TICKET, "verb": self.verb, "ticket": self.ticket_id}

    @staticmethod
    def decode(value: Any) -> TicketAction | None:
        if not isinstance(value, Mapping) or value.get(ACTION_KEY) != ACTION_TICKET:
            return None
        verb, ticket_id = value.get("verb"), value.get("ticket")
        if verb not in (view.CLAIM, view.RESOLVE) or not isinstance(ticket_id, str) or not ticket_id:
            return None
        return TicketAction(verb, ticket_id)


def _when(moment: datetime | None) -> str:
    """Adaptive Cards' date function: each reader sees their own time zone and format."""
    if moment is None:
        return ""
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{{{{DATE({stamp}, SHORT)}}}} {{{{TIME({stamp})}}}}"


def _person(who: str | None) -> str:
    """A Teams name as is; a Slack id (a ticket from Slack) said to be one."""
    if not who:
        return "someone"
    return f"Slack user {who}" if view.is_slack_user(who) else md_escape(who)


def ticket_summary(ticket: Ticket, queue: Queue, *, reminder: bool = False) -> str:
    """The activity's plain text (notifications): no question text, as in Slack's."""
    prefix = "Reminder, still unclaimed: " if reminder else ""
    return f"{prefix}{view.topic(ticket)} question from {_person(view.asker_name(ticket))} for {queue.name} ({ticket.status})"


def ticket_card(ticket: Ticket, queue: Queue, *, reminder: bool = False) -> Card:
    """Who asked and where, the question, the category, the state, and the buttons the state allows."""
    body: list[Card] = []
    if reminder:
        body.append({"type": "TextBlock", "text": f"⏰ **Still unclaimed** since {_when(ticket.created_at)}",
                     "wrap": True, "color": "Attention"})
    body.append({"type": "TextBlock", "size": "Medium", "weight": "Bolder", "wrap": True,
                 "text": f"{md_escape(view.topic(ticket).capitalize())} question for {md_escape(queue.name)}"})
    where = f" · [open the conversation]({ticket.link})" if ticket.link else ""
    origin = "" if ticket.surface == "teams" else f" (in {ticket.surface.capitalize()})"
    reason = f" ({view.reason_note(ticket)})" if view.reason_note(ticket) else ""
    body.append({"type": "TextBlock", "wrap": True, "spacing": "Small",
                 "text": f"From **{_person(view.asker_name(ticket))}**{origin}{where}{reason}"})
    question = ticket.question if len(ticket.question) <= QUESTION_CHARS else ticket.question[:QUESTION_CHARS] + "…"
    body.append({"type": "Container", "style": "emphasis", "items": [
        {"type": "TextBlock", "text": md_escape(question), "wrap": True}]})
    facts = [{"title": "Ticket", "value": ticket.id}, {"title": "Category", "value": ticket.category or "none"},
             {"title": "Opened", "value": _when(ticket.created_at)}]
    held = view.holder(ticket)
    if held is not None:
        status, who = held
        when = ticket.claimed_at if status == CLAIMED else ticket.resolved_at
        mark = "🙋" if status == CLAIMED else "✅"
        facts.append({"title": "Status", "value": f"{mark} {status} by {_person(who)} {_when(when)}"})
    body.append({"type": "FactSet", "facts": facts})
    card: Card = {"type": "AdaptiveCard", "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                  "version": CARD_VERSION, "body": body}
    titles = {view.CLAIM: "Claim", view.RESOLVE: "Resolve"}
    actions = [{"type": "Action.Submit", "title": titles[verb], "data": TicketAction(verb, ticket.id).data(),
                **({"style": "positive"} if verb == view.CLAIM else {})} for verb in view.allowed_actions(ticket)]
    if actions:
        card["actions"] = actions
    return card


def _summary(ticket: Ticket, queue: Queue, *, reminder: bool = False) -> str:
    return one_line(ticket_summary(ticket, queue, reminder=reminder), 200)


# -- the notifier ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Proactive:
    """What a bot needs to start a message in a Teams channel: the connector and the tenant."""

    service_url: str
    tenant: str
    bot_id: str = ""
    bot_name: str = ""

    def to_json(self) -> str:
        return json.dumps(self.__dict__)

    @staticmethod
    def from_json(text: str | None) -> Proactive | None:
        try:
            data = json.loads(text or "")
            return Proactive(**{key: str(data.get(key) or "") for key in ("service_url", "tenant", "bot_id", "bot_name")})
        except (ValueError, TypeError, AttributeError):
            return None


def channel_address(where: Proactive | None, channel: str, event: str, **context: str) -> dict[str, str] | None:
    """What `BotFramework.continue_in` needs to start a post in `channel`; None (logged as `event`)
    while no serviceUrl is known."""
    if where is None or not where.service_url:
        log.error(event, **context, reason="no serviceUrl known",
                  hint="set KB_TEAMS_SERVICE_URL, or wait until the bot has received one Teams message")
        return None
    return {"service_url": where.service_url, "tenant": where.tenant, "bot_id": where.bot_id,
            "bot_name": where.bot_name, "conversation_id": channel, "conversation_type": "channel"}


async def post_in_channel(framework: BotFramework, where: Proactive | None, channel: str, text: str) -> bool:
    """A new post in the Teams channel `channel` (the weekly digest), reached as queue cards are.

    On the server's loop (the digest is a scheduled job there), so no hand-over as in the notifier.
    """
    address = channel_address(where, channel, "teams.channel_post_failed")
    if address is None:
        return False

    async def send(turn: Turn) -> bool:
        await turn.send(text)
        return True

    try:
        return bool(await framework.continue_in(address, send))
    except Exception as error:  # the connector refused, or the channel is unknown
        log.error("teams.channel_post_failed", error_type=type(error).__name__, error=str(error)[:300])
        return False


class TeamsQueueNotifier:
    surface = "teams"

    def __init__(self, framework: BotFramework, address: Callable[[], Proactive | None],
                 loop: Callable[[], asyncio.AbstractEventLoop | None]) -> None:
        self.framework = framework
        self.address = address
        """Where posts the bot starts go (settings, else the last authenticated activity)."""
        self.loop = loop
        """The server's loop, where botbuilder sends (None before the server started)."""

    def _channel(self, channel: str, ticket: Ticket, event: str) -> dict[str, str] | None:
        return channel_address(self.address(), channel, event, ticket=ticket.id)

    def post_ticket(self, ticket: Ticket, queue: Queue, *, reminder: bool = False) -> QueuePost | None:
        where = self._channel(queue.teams_channel, ticket, "teams.queue_post_failed")
        if where is None:
            return None
        card, summary = ticket_card(ticket, queue, reminder=reminder), _summary(ticket, queue, reminder=reminder)

        async def send(turn: Turn) -> str | None:
            return await turn.send(card=card, summary=summary)

        sent = self._run(self.framework.continue_in(where, send), "teams.queue_post_failed", ticket)
        if not sent:
            return None
        return QueuePost(self.surface, queue.teams_channel, str(sent))

    def update_ticket(self, ticket: Ticket, queue: Queue, post: QueuePost) -> None:
        where = self._channel(post.channel, ticket, "teams.queue_update_failed")
        if where is None:
            return
        card, summary = ticket_card(ticket, queue), _summary(ticket, queue)

        async def update(turn: Turn) -> bool:
            await turn.update(post.ts, card=card, summary=summary)
            return True

        self._run(self.framework.continue_in(where, update), "teams.queue_update_failed", ticket)

    def tell_user(self, ticket: Ticket, text: str) -> None:
        if not ticket.conversation.get("conversation_id") or not ticket.conversation.get("service_url"):
            log.warning("teams.ticket_user_unreachable", ticket=ticket.id)
            return

        async def tell(turn: Turn) -> bool:
            await turn.send(text)
            return True

        # In the asker's thread, under their question.
        self._run(self.framework.continue_in(ticket.conversation, tell, reply_to=ticket.conversation.get("activity_id")),
                  "teams.ticket_user_message_failed", ticket)

    def thread_link(self, conversation: dict[str, str]) -> str:
        return thread_link(conversation)

    def _run(self, work: Coroutine[Any, Any, Any], event: str, ticket: Ticket) -> Any:
        """Run `work` on the server's loop from the desk's worker thread; None (logged) when it fails."""
        loop = self.loop()
        if loop is None or not loop.is_running():
            work.close()
            log.error(event, ticket=ticket.id, reason="the Teams surface is not running")
            return None
        try:
            on_loop = asyncio.get_running_loop() is loop
        except RuntimeError:
            on_loop = False
        if on_loop:  # waiting here would block the loop that has to do the sending
            work.close()
            raise RuntimeError("TeamsQueueNotifier is synchronous: call the desk through asyncio.to_thread")
        try:
            return asyncio.run_coroutine_threadsafe(work, loop).result(timeout=SEND_TIMEOUT)
        except Exception as error:  # the connector refused, timed out, or the channel is unknown
            log.error(event, ticket=ticket.id, error_type=type(error).__name__, error=str(error)[:300])
            return None
