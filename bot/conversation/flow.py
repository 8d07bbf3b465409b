"""The question flow, once for every surface: from a person's message to an answer, a ticket or an apology.

`handle_question(incoming, reply, services)` is the one dispatch a surface calls, as Bolt's
adapters call `app.async_dispatch`: the surface translated the platform's event into `Incoming`
and implements `Reply`; the rules live here, in this order:

1. a delivery is handled once (retries, and a message reaching kb as two events);
2. a thread a person has (an open or claimed ticket) is left to them;
3. on surfaces with text commands, a command word runs the command;
4. each person gets a few questions a minute, and is told once when they exceed it;
5. the answer is drafted while the model writes it, a "looking" sign shows when it is slow, and a
   failure is apologised for in place of the draft;
6. an escalated answer is the policy's reply only, said before the ticket is opened (a crisis reply
   carries the emergency contacts), and its question is never remembered as context.

Every question that gets this far ends in an `Outcome`, handed to `ChatServices.record_outcome`:
the one place a question is recorded (for `kb report`), whichever surface it came from. The answer's
id is made here too, so the feedback and "ask a person" clicks that carry it find that record.
"""

from __future__ import annotations

import asyncio
import time
import uuid

import structlog

from bot import metrics
from bot.answer.model import Answer
from bot.conversation import wording
from bot.conversation.commands import command_words, handle_command
from bot.conversation.ports import Incoming, Outcome, OutcomeKind, Reply
from bot.conversation.services import ChatServices
from bot.conversation.streaming import LiveAnswer
from bot.handover import EscalationOutcome, EscalationRequest
from bot.records.feedback import Feedback

log = structlog.get_logger(__name__)

async def handle_question(incoming: Incoming, reply: Reply, services: ChatServices) -> Outcome | None:
    """Answer, escalate or apologise; None when the message was not a question to answer (see the module)."""
    if incoming.delivery and not await services.first_time(incoming.delivery):
        log.info("chat.duplicate_delivery", surface=incoming.surface)
        return None
    if await services.thread_escalated(incoming.surface, incoming.thread):
        log.info("chat.thread_with_person", surface=incoming.surface)  # a person has it; the bot stays out
        return None
    words = command_words(incoming.text) if incoming.commands else None
    if words is not None:
        await handle_command(incoming, words, reply, services)
        return None
    metrics.SURFACE_EVENTS.labels(incoming.surface, incoming.kind).inc()
    verdict = services.limiter.check(incoming.user or incoming.thread.get("channel", ""))
    if not verdict.allowed:
        log.info("chat.rate_limited", surface=incoming.surface, told=verdict.tell)
        if verdict.tell:
            await reply.say(wording.RATE_LIMITED)
        return None
    return await _answer(incoming, reply, services)


async def _answer(incoming: Incoming, reply: Reply, services: ChatServices) -> Outcome:
    started = time.perf_counter()
    answer_id = uuid.uuid4().hex[:16]
    history = await reply.history()
    remembers = history is None  # the platform can't read the thread back: kb keeps its own memory of it
    if history is None:
        history = await asyncio.to_thread(services.memory.recent, incoming.memory_key)
    log.info("chat.question", surface=incoming.surface, kind=incoming.kind, chars=len(incoming.text),
             follow_up=incoming.follow_up or bool(history))
    live = (LiveAnswer(asyncio.get_running_loop(), reply.draft, services.settings.llm_update_every, services.clock)
            if services.streams else None)
    looking = False
    try:
        if reply.looking_after <= 0:
            looking = await _show_looking(reply)
        asker = await reply.asker()
        work = asyncio.ensure_future(services.answer(incoming.text, history, asker, on_text=live))
        if not looking:
            done, _ = await asyncio.wait({work}, timeout=reply.looking_after)
            looking = not done and await _show_looking(reply)
        answer: Answer | None = await work
    except Exception as error:  # the asker hears something rather than silence
        log.exception("chat.answer_failed", surface=incoming.surface, error_type=type(error).__name__)
        answer = None
    if live is not None:
        await live.close()  # no preview may land after the final answer
    if answer is None:
        await reply.say(wording.SORRY, replace_draft=True)
    elif answer.escalated:  # decided before retrieval, so no draft was shown
        await reply.say(answer.text)
        await services.open_ticket(answer, surface=incoming.surface, user=incoming.user,
                                   conversation=incoming.conversation)
        log.info("chat.escalated", surface=incoming.surface, category=answer.category, queue=answer.queue)
    else:
        await reply.answer(answer, answer_id)
        if remembers:
            await asyncio.to_thread(services.memory.remember, incoming.memory_key, answer.question)
    if looking:
        await reply.looking(False)
    outcome = Outcome(incoming, _kind(answer), answer, time.perf_counter() - started,
                      answer_id if answer is not None else None)
    await services.record_outcome(outcome)
    return outcome


async def _show_looking(reply: Reply) -> bool:
    try:
        await reply.looking(True)
        return True
    except Exception as error:  # a missing sign costs nothing; the answer goes on
        log.warning("chat.looking_failed", error_type=type(error).__name__)
        return False


def _kind(answer: Answer | None) -> OutcomeKind:
    if answer is None:
        return "failed"
    if answer.escalated:
        return "escalated"
    return "not_found" if answer.no_answer else "answered"


async def hand_over(request: EscalationRequest, asked_by: str | None, services: ChatServices) -> EscalationOutcome:
    """"Ask a person" after "not helpful": only the asker's click counts (a ticket is theirs: the queue
    follows up with them); anyone else is told why nothing happened."""
    metrics.SURFACE_EVENTS.labels(request.surface, "action").inc()
    if asked_by and asked_by != request.user:
        log.info("chat.hand_over_refused", surface=request.surface, answer_id=request.answer_id)
        return EscalationOutcome(accepted=False, message=wording.NOT_THE_ASKER)
    outcome = await services.escalate(request)
    log.info("chat.hand_over", surface=request.surface, answer_id=request.answer_id, accepted=outcome.accepted,
             ticket=outcome.ticket_id)
    return outcome


async def feedback_given(feedback: Feedback, services: ChatServices) -> None:
    """A 👍 or 👎 on an answer: kept (one per person and answer), whoever clicked."""
    metrics.SURFACE_EVENTS.labels(feedback.surface, "feedback").inc()
    await services.record_feedback(feedback)
    log.info("chat.feedback", surface=feedback.surface, helpful=feedback.helpful, answer_id=feedback.answer_id)
