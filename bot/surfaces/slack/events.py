"""Slack events in, one call of the conversation flow out: the listeners and their translations.

Every entry point is a Bolt listener declared in `register` (STYLE.md); each turns its payload into
the flow's terms (`Incoming`, a `Reply`, a `Feedback`, an `EscalationRequest`) and calls the flow.
What is decided about a question (dedupe, tickets on a thread, limits, drafts, hand-over) is not here.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from typing import Any

import structlog
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.conversation import flow, wording
from bot.conversation.commands import handle_command
from bot.conversation.inflight import InFlight
from bot.conversation.ports import Incoming
from bot.conversation.services import ChatServices
from bot.handover import EscalationRequest
from bot.records.feedback import Feedback
from bot.surfaces.slack import blocks, queue
from bot.surfaces.slack.client import api_error
from bot.surfaces.slack.groups import SlackUserGroups
from bot.surfaces.slack.reply import SlackCommandReply, SlackReply, ephemeral
from bot.surfaces.slack.text import question_from_slack

log = structlog.get_logger(__name__)

COMMAND = "/kb"
ANSWERABLE_SUBTYPES = {None, "file_share", "thread_broadcast"}
"""Message subtypes that are a person asking something; edits, deletes, joins and bots are not."""
UNHANDLED = re.compile(r".*")
"""Any other event type: registered last, so it matches only what no listener above it handles."""
MALFORMED = (AttributeError, LookupError, TypeError, ValueError)
"""What Bolt raises on payloads that are JSON or forms but not Slack's shapes (LookupError: a missing key, or
an empty `actions` list that its action matcher indexes)."""


def ignorable(event: Mapping[str, Any]) -> str | None:
    """Why an event is not a person's question (None when it is)."""
    if not event.get("channel") or not event.get("ts"):
        return "unusable"
    if event.get("bot_id") or event.get("bot_profile"):
        return "bot"
    if event.get("subtype") not in ANSWERABLE_SUBTYPES:
        return "subtype"
    if event.get("edited"):
        return "edit"
    if not event.get("user"):
        return "nobody"  # no person asked (an app_mention Slack sends for a workflow or an integration)
    return None


def incoming(event: Mapping[str, Any], kind: str, bot_user_id: str | None) -> Incoming:
    """A message or mention event as the flow sees it (the text cleaned of Slack's markup)."""
    channel, ts, user = str(event["channel"]), str(event["ts"]), str(event["user"])
    thread = {"channel": channel, "thread_ts": str(event.get("thread_ts") or ts)}
    return Incoming(surface="slack", kind=kind, text=question_from_slack(str(event.get("text") or ""), bot_user_id),
                    delivery=f"slack:message:{channel}:{ts}", user=user, thread=thread, conversation=dict(thread),
                    identities=(user,), display=f"<@{user}>", follow_up=thread["thread_ts"] != ts)


def command_incoming(command: Mapping[str, Any]) -> Incoming:
    user = str(command.get("user_id") or "")
    channel = str(command.get("channel_id") or "")
    where = {"channel": channel, "thread_ts": ""}
    return Incoming(surface="slack", kind="command", text=str(command.get("text") or ""),
                    delivery=f"slack:command:{command.get('trigger_id') or ''}", user=user, thread=where,
                    conversation=where, identities=(user,) if user else (), display=f"<@{user}>")


def _clicked(body: Mapping[str, Any]) -> tuple[Mapping[str, Any], str | None, str | None]:
    """A block action's first action, who clicked and in which channel."""
    action = (body.get("actions") or [{}])[0]
    user = (body.get("user") or {}).get("id")
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    return action, user, channel


class SlackEvents:
    """The listeners' bodies: translate, call the flow, render."""

    def __init__(self, services: ChatServices, inflight: InFlight, usergroups: SlackUserGroups | None) -> None:
        self.services = services
        self.inflight = inflight
        self.usergroups = usergroups

    async def question(self, event: Mapping[str, Any], context: AsyncBoltContext, client: AsyncWebClient,
                       kind: str) -> None:
        if reason := ignorable(event):
            log.debug("slack.event_ignored", kind=kind, reason=reason)
            return
        async with self.inflight.tracked():
            # Off the loop: cleaning is linear but a 50,000-character message still takes a moment.
            message = await asyncio.to_thread(incoming, event, kind, context.bot_user_id)
            reply = SlackReply(client, event, context.bot_user_id, self.services.people, self.usergroups,
                               self.services.settings.slack_looking_after)
            await flow.handle_question(message, reply, self.services)

    async def command(self, ack: AsyncAck, command: Mapping[str, Any], client: AsyncWebClient) -> None:
        message = command_incoming(command)
        words = message.text.split() or ["help"]
        await handle_command(message, words, SlackCommandReply(ack, client, message.user, self.services.people,
                                                               self.usergroups), self.services)

    async def feedback(self, body: Mapping[str, Any], client: AsyncWebClient, helpful: bool) -> None:
        action, user, channel = _clicked(body)
        ref = blocks.FeedbackRef.decode(action.get("value"))
        message = body.get("message") or {}
        if ref is None or not user or not channel:
            log.warning("slack.feedback_unusable", has_ref=ref is not None, has_user=bool(user), has_channel=bool(channel))
            return
        await flow.feedback_given(Feedback(surface="slack", user=user, answer_id=ref.answer_id, helpful=helpful,
                                           question=ref.question, answer=str(message.get("text") or ""),
                                           doc_ids=ref.doc_ids), self.services)
        if message.get("ts") and message.get("blocks"):
            try:
                await client.chat_update(channel=channel, ts=message["ts"], text=str(message.get("text") or ""),
                                         blocks=blocks.feedback_done_blocks(message["blocks"], helpful))
            except SlackApiError as error:
                log.warning("slack.feedback_update_failed", error=api_error(error))
        if not helpful and ref.may_hand_over(user):  # a bystander's verdict is kept, but the question is not theirs
            await ephemeral(client, channel, user, message.get("thread_ts") or message.get("ts"), text=wording.OFFER,
                            blocks=blocks.escalation_offer_blocks(ref))

    async def hand_over(self, body: Mapping[str, Any], client: AsyncWebClient) -> None:
        action, user, channel = _clicked(body)
        ref = blocks.FeedbackRef.decode(action.get("value"))
        if ref is None or not user or not channel:
            log.warning("slack.escalation_unusable")
            return
        thread_ts = (body.get("container") or {}).get("thread_ts") or (body.get("message") or {}).get("thread_ts")
        earlier = await asyncio.to_thread(self.services.feedback.for_answer, ref.answer_id)
        request = EscalationRequest(
            surface="slack", user=user, question=ref.question, answer=earlier[0].answer if earlier else "",
            doc_ids=ref.doc_ids, conversation={"channel": channel, **({"thread_ts": thread_ts} if thread_ts else {})},
            answer_id=ref.answer_id)
        outcome = await flow.hand_over(request, ref.asker or None, self.services)
        await ephemeral(client, channel, user, thread_ts, text=outcome.message)

    async def ticket_action(self, body: Mapping[str, Any], client: AsyncWebClient, verb: str) -> None:
        """Claim or Resolve on a queue post: the desk decides, updates every post and tells the asker."""
        desk = self.services.desk
        action, user, channel = _clicked(body)
        ticket_id = str(action.get("value") or "")
        if desk is None or not user or not ticket_id:
            log.warning("slack.ticket_action_unusable", verb=verb)
            return
        result = await asyncio.to_thread(desk.claim if verb == "claim" else desk.resolve, ticket_id, user,
                                         ("slack", channel or ""))
        if not result.ok and channel:
            await ephemeral(client, channel, user, None, text=result.message)


def register(app: AsyncApp, events: SlackEvents) -> None:
    """Every Slack entry point, declared where it is handled."""

    @app.middleware
    async def once_per_event(body: dict, request: Any, next: Any) -> BoltResponse | None:  # noqa: A002 - Bolt's name
        """Slack redelivers events it thinks we missed; the persisted claim makes the answer once-only."""
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not await events.services.first_time(f"slack:event:{event_id}"):
            retry = (request.headers.get("x-slack-retry-num") or [None])[0]
            log.info("slack.duplicate_event", event_id=event_id, retry=retry)
            return BoltResponse(status=200, body="", headers={"x-slack-no-retry": "1"})
        return await next()

    @app.event("app_mention")
    async def on_mention(event: dict, context: AsyncBoltContext, client: AsyncWebClient) -> None:
        await events.question(event, context, client, "mention")

    @app.event("message")
    async def on_message(event: dict, context: AsyncBoltContext, client: AsyncWebClient) -> None:
        if event.get("channel_type") == "im":
            await events.question(event, context, client, "message")

    @app.event(UNHANDLED)
    async def on_other_event(event: dict) -> None:
        """Events the app is subscribed to or sent anyway (reactions, joins, App Home, revoked tokens):
        acknowledged, so Slack does not retry them three times, and otherwise left alone."""
        log.debug("slack.event_unhandled", type=event.get("type"))

    @app.command(COMMAND)
    async def on_command(ack: AsyncAck, command: dict, client: AsyncWebClient) -> None:
        await events.command(ack, command, client)

    @app.action(blocks.ACTION_HELPFUL)
    async def on_helpful(ack: AsyncAck, body: dict, client: AsyncWebClient) -> None:
        await ack()
        async with events.inflight.tracked():
            await events.feedback(body, client, helpful=True)

    @app.action(blocks.ACTION_NOT_HELPFUL)
    async def on_not_helpful(ack: AsyncAck, body: dict, client: AsyncWebClient) -> None:
        await ack()
        async with events.inflight.tracked():
            await events.feedback(body, client, helpful=False)

    @app.action(blocks.ACTION_ESCALATE)
    async def on_escalate(ack: AsyncAck, body: dict, client: AsyncWebClient) -> None:
        await ack()
        async with events.inflight.tracked():
            await events.hand_over(body, client)

    @app.action(queue.ACTION_CLAIM)
    async def on_claim(ack: AsyncAck, body: dict, client: AsyncWebClient) -> None:
        await ack()
        async with events.inflight.tracked():
            await events.ticket_action(body, client, "claim")

    @app.action(queue.ACTION_RESOLVE)
    async def on_resolve(ack: AsyncAck, body: dict, client: AsyncWebClient) -> None:
        await ack()
        async with events.inflight.tracked():
            await events.ticket_action(body, client, "resolve")

    @app.error
    async def on_error(error: Exception, body: dict, response: BoltResponse | None = None) -> BoltResponse | None:
        log.error("slack.listener_failed", error=str(error), error_type=type(error).__name__,
                  request_type=body.get("type") if isinstance(body, dict) else None)
        if response is not None and isinstance(error, MALFORMED):  # Bolt's matchers on a payload of the wrong shape
            return BoltResponse(status=400, body="malformed payload")
        return None
