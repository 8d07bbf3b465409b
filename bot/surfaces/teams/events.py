"""Teams activities in, one call of the conversation flow out: the handlers and their translations.

A message is a question or a command (`flow.handle_question` tells them apart), unless it is a
card's button coming back (feedback, "ask a person", Claim/Resolve on a queue card), which is
translated here into the flow's terms. Nothing about a question is decided here.
"""

from __future__ import annotations

import asyncio
import dataclasses

import structlog

from bot import metrics
from bot.conversation import flow, wording
from bot.conversation.ports import Incoming
from bot.conversation.services import ChatServices
from bot.handover import EscalationRequest
from bot.records.feedback import Feedback
from bot.surfaces.teams import activity as read
from bot.surfaces.teams import cards
from bot.surfaces.teams.botframework import BotFramework, Turn
from bot.surfaces.teams.groups import AadGroups
from bot.surfaces.teams.queue import TicketAction
from bot.surfaces.teams.reply import TeamsReply

log = structlog.get_logger(__name__)


def delivery(activity: read.Activity) -> str:
    """The once-only key of a message activity (a retried POST carries the same id); "" without an id."""
    activity_id = activity.get("id")
    return f"teams:activity:{read.conversation_id(activity)}:{activity_id}" if activity_id else ""


def incoming(activity: read.Activity) -> Incoming:
    """A message activity as the flow sees it."""
    ids = read.identities(activity)
    thread = read.thread_of(activity)
    return Incoming(surface="teams", kind="message" if read.is_personal(activity) else "mention",
                    text=read.question_text(activity), delivery=delivery(activity), user=ids[0] if ids else "",
                    thread=thread, conversation=read.conversation_of(activity), identities=tuple(ids),
                    display=read.display_name(activity), memory_key=read.memory_key(activity), commands=True,
                    follow_up=thread["thread_ts"] != activity.get("id"))


class TeamsEvents:
    """The handlers botbuilder calls (through `BotFramework`) for each kind of activity kb handles."""

    def __init__(self, services: ChatServices, aad_groups: AadGroups | None) -> None:
        self.services = services
        self.aad_groups = aad_groups
        self.framework: BotFramework | None = None
        """Set by the surface once the adapter exists (its handlers are these methods)."""

    def reply(self, turn: Turn) -> TeamsReply:
        assert self.framework is not None
        return TeamsReply(turn, self.framework, self.services.people, self.aad_groups)

    async def on_message(self, turn: Turn) -> None:
        activity = turn.activity
        value = activity.get("value")
        feedback, ask_person, ticket = (cards.FeedbackData.decode(value), cards.FeedbackData.decode_ask_person(value),
                                        TicketAction.decode(value))
        if feedback is None and ask_person is None and ticket is None:
            # Off the loop: stripping tags is linear but a 50,000-character message still takes a moment.
            message = await asyncio.to_thread(incoming, activity)
            await flow.handle_question(message, self.reply(turn), self.services)
            return
        key = delivery(activity)
        if key and not await self.services.first_time(key):
            log.info("teams.duplicate_activity")  # a retried POST: handled once
            return
        if feedback is not None:
            await self.feedback(turn, *feedback)
        elif ask_person is not None:
            await self.ask_person(turn, ask_person)
        elif ticket is not None:
            await self.ticket_action(turn, ticket)

    async def on_installed(self, turn: Turn) -> None:
        """kb itself was added (to a personal chat, a team or a group chat): say what it does, once."""
        metrics.SURFACE_EVENTS.labels("teams", "welcome").inc()
        await turn.send(wording.welcome(cards.MARKUP))

    async def on_error(self, turn: Turn, error: Exception) -> None:
        """A turn failed outside the flow (which apologises for answers itself): tell the sender something."""
        log.error("teams.turn_error", error=str(error), error_type=type(error).__name__)
        if turn.activity.get("type") == "message":
            try:
                await turn.send(wording.SORRY)
            except Exception as send_error:
                log.warning("teams.sorry_failed", error_type=type(send_error).__name__)

    async def feedback(self, turn: Turn, data: cards.FeedbackData, helpful: bool) -> None:
        user = read.identities(turn.activity)
        if not user:
            log.warning("teams.feedback_unusable")
            return
        await flow.feedback_given(Feedback(surface="teams", user=user[0], answer_id=data.answer_id, helpful=helpful,
                                           question=data.question, answer=data.answer, doc_ids=data.doc_ids),
                                  self.services)
        # "Not helpful" offers the asker a person, as Slack does; a card from before askers were kept
        # offers it to whoever clicked, as Slack's private offer goes to whoever clicked.
        offer = None if helpful else dataclasses.replace(data, asker=data.asker or user[0])
        # The buttons give way to the verdict (and the offer), so nobody votes twice on one card.
        if await self._redraw(turn, cards.answer_card(data.to_answer(), None, verdict=helpful, offer=offer), data,
                              "teams.feedback_update_failed"):
            return
        await turn.send(wording.feedback_thanks(helpful))
        if offer is not None:
            await turn.send(card=cards.offer_card(offer), summary=wording.OFFER)

    async def ask_person(self, turn: Turn, data: cards.FeedbackData) -> None:
        """"Ask a person" after "not helpful": the flow decides; the card shows the outcome where the
        button was, or, where it cannot be redrawn or nothing was handed over, the thread says it."""
        user = read.identities(turn.activity)
        if not user:
            log.warning("teams.ask_person_unusable")
            return
        request = EscalationRequest(surface="teams", user=user[0], question=data.question, answer=data.answer,
                                    doc_ids=data.doc_ids, conversation=read.conversation_of(turn.activity),
                                    answer_id=data.answer_id)
        outcome = await flow.hand_over(request, data.asker or None, self.services)
        done = cards.answer_card(data.to_answer(), None, verdict=False, handed_over=outcome.message)
        if not (outcome.accepted and await self._redraw(turn, done, data, "teams.ask_person_update_failed")):
            await turn.send(outcome.message)

    @staticmethod
    async def _redraw(turn: Turn, card: cards.Card, data: cards.FeedbackData, failed: str) -> bool:
        """Put `card` in place of the card whose button was clicked (the click's `replyToId`); False if it can't be."""
        card_id = turn.activity.get("replyToId")
        if not card_id:
            return False
        try:
            await turn.update(str(card_id), card=card, summary=cards.one_line(data.answer or "kb answer", 200))
            return True
        except Exception as error:  # an old card, or one Teams no longer lets us edit
            log.warning(failed, error_type=type(error).__name__)
            return False

    async def ticket_action(self, turn: Turn, action: TicketAction) -> None:
        """Claim or Resolve on a queue card: the desk decides, updates every post and tells the asker."""
        desk = self.services.desk
        ids = read.identities(turn.activity)
        if desk is None or not ids:
            log.warning("teams.ticket_action_unusable", verb=action.verb)
            return
        metrics.SURFACE_EVENTS.labels("teams", "action").inc()
        by = read.display_name(turn.activity)
        where = ("teams", read.thread_of(turn.activity)["channel"])
        result = await asyncio.to_thread(desk.claim if action.verb == "claim" else desk.resolve, action.ticket_id, by,
                                         where)
        if not result.ok:  # Teams has no private reply in a channel: answer in the card's thread
            await turn.send(result.message)
