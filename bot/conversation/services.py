"""`ChatServices`: the one object a chat surface talks to besides its platform SDK.

Everything here is async-safe: the answer core and the index are synchronous (torch, LanceDB), so
each call runs in a worker thread and the event loop keeps acknowledging other events meanwhile.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import structlog

from bot.access import Asker
from bot.access.people import TTLCache
from bot.analytics.recorder import QuestionEvent
from bot.answer.grounded import Partial
from bot.answer.model import Answer
from bot.conversation.admins import is_admin
from bot.conversation.ports import Outcome
from bot.conversation.ratelimit import UserRateLimiter
from bot.conversation.reindex import ConnectorsFor, Reindexer, ReindexRun
from bot.conversation.wording import ALREADY_PASSED, no_queues
from bot.handover import EscalationOutcome, EscalationRequest, Escalator
from bot.records.dedupe import SeenEvents
from bot.records.feedback import Feedback, FeedbackLog
from bot.records.memory import ConversationMemory
from bot.runtime import Runtime

if TYPE_CHECKING:
    from bot.policy.desk import EscalationDesk

log = structlog.get_logger(__name__)


class NoQueues:
    """No human queues configured: say so, and point at the help channels (KB_HELP_CHANNELS)."""

    def __init__(self, help_channels: str) -> None:
        self.message = no_queues(help_channels)

    def escalate(self, request: EscalationRequest) -> EscalationOutcome:
        log.info("escalation.unconfigured", surface=request.surface, reason=request.reason)
        return EscalationOutcome(accepted=False, message=self.message)


@dataclass
class IndexStatus:
    documents: int
    chunks: int
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per source: last_run, ok, last_success, summary (as `Store.last_runs`)."""
    reindex: ReindexRun | None = None
    model: str | None = None


class ChatServices:
    clock = staticmethod(time.monotonic)
    """Paces streamed drafts (KB_LLM_UPDATE_EVERY); tests replace it to count updates without sleeping."""

    def __init__(self, runtime: Runtime, *, escalator: Escalator | None = None, reindex_report_every: float = 10.0,
                 reindex_connectors: ConnectorsFor | None = None) -> None:
        self.runtime = runtime
        self.settings = runtime.settings
        self.records = runtime.records
        """The app's own tables; the index (`runtime.store`) is only read, for status."""
        self.seen = SeenEvents(self.records)
        self.limiter = UserRateLimiter(runtime.settings.user_rate_limit)
        self.reindexer = Reindexer(runtime, report_every=reindex_report_every, connectors_for=reindex_connectors)
        self.feedback = FeedbackLog(self.records)
        self.memory = ConversationMemory(self.records, turns=runtime.settings.teams_history_turns)
        """Recent questions per thread, for surfaces that cannot read a thread back (Teams)."""
        self.desk: EscalationDesk | None = runtime.escalation_desk if runtime.settings.policy_enabled else None
        """Tickets and queues (bot.policy.desk); None when KB_POLICY_ENABLED is false."""
        self.escalator: Escalator = escalator or self.desk or NoQueues(runtime.settings.help_channels)
        self.access = runtime.access
        self.people = TTLCache(runtime.settings.directory_ttl)
        """Directory lookups (email, guest) by surface and user id, shared by admin checks and access."""
        self.questions = runtime.question_recorder
        """Every chat question, for `kb report` (bot.analytics); off with KB_RECORD_QUESTIONS=false."""

    async def first_time(self, key: str) -> bool:
        """Claim a delivery (event id, message key); False when it was handled before."""
        return await asyncio.to_thread(self.seen.first_time, key)

    @property
    def streams(self) -> bool:
        """Whether answers are written by the model, so surfaces show them while they are written."""
        return self.runtime.writer is not None

    async def answer(self, question: str, history: Sequence[str] = (), asker: Asker | None = None,
                     on_text: Partial | None = None) -> Answer:
        """Answer from what `asker` may read where the answer is posted (no asker: public documents only).

        `on_text` (e.g. a `LiveAnswer`) sees a generated answer as it is written.
        """
        where = self.access.for_asker(asker).where()
        return await asyncio.to_thread(self.runtime.answers.answer, question, history=list(history), where=where,
                                       on_text=on_text)

    async def record_outcome(self, outcome: Outcome) -> None:
        """Called by the flow once per question that reached the answer core (answered, not found,
        escalated or failed): the one place a question is recorded, for `kb report`.

        A failed answer is only logged: there is no outcome to judge, and the asker was apologised to.
        """
        log.info("chat.outcome", surface=outcome.incoming.surface, kind=outcome.kind, seconds=round(outcome.seconds, 3))
        if outcome.answer is None or not self.questions.enabled:
            return
        incoming = outcome.incoming
        await self._quietly(self.questions.record, QuestionEvent(
            incoming.surface, incoming.user, direct=incoming.kind == "message", answer=outcome.answer,
            outcome=outcome.kind, seconds=outcome.seconds, answer_id=outcome.answer_id))

    def is_admin(self, *identities: str | None) -> bool:
        return is_admin(self.settings.admins, *identities)

    async def record_feedback(self, feedback: Feedback) -> None:
        await asyncio.to_thread(self.feedback.record, feedback)
        await self._quietly(self.questions.feedback, feedback.surface, feedback.answer_id, feedback.helpful)

    @staticmethod
    async def _quietly(record: Callable[..., Any], *args: Any) -> None:
        """Analytics off the loop, and never at the asker's expense: a failed write is logged, not raised.

        (A write that lost a commit race was already made again by `Database.write`.)
        """
        try:
            await asyncio.to_thread(record, *args)
        except Exception as error:
            log.warning("questions.record_failed", step=getattr(record, "__name__", "?"),
                        error_type=type(error).__name__, error=str(error)[:300])

    async def escalate(self, request: EscalationRequest) -> EscalationOutcome:
        """Hand a question to a person, once per answer and person (`EscalationRequest.once_key`).

        A double click, a second click on an old button, or the same click on two replicas all end
        here: the first claims the key (in the app's records, as event dedupe does) and opens the
        ticket; the others are told it was passed on already. A hand-over that fails or is refused
        (no queues) gives the key back, so trying again later can still reach someone.
        """
        key = request.once_key
        if key is not None and not await self.first_time(key):
            return EscalationOutcome(accepted=True, message=ALREADY_PASSED)
        if request.answer_id is not None:  # a gap for the report, whether or not a queue takes it
            await self._quietly(self.questions.asked_person, request.surface, request.answer_id)
        try:
            outcome = await asyncio.to_thread(self.escalator.escalate, request)
        except Exception:
            if key is not None:
                await asyncio.to_thread(self.seen.forget, key)
            raise
        if not outcome.accepted and key is not None:
            await asyncio.to_thread(self.seen.forget, key)
        return outcome

    async def open_ticket(self, answer: Answer, *, surface: str, user: str,
                          conversation: dict[str, str]) -> None:
        """Hand an answer the policy escalated to its queue; the surface tells the asker first.

        The asker hears first because a crisis reply carries the emergency contacts, and posting to
        the queue can take seconds. Without a desk (policy off) there is nothing to open.
        """
        if self.desk is None:
            return
        request = EscalationRequest(surface=surface, user=user, question=answer.question, answer="", reason="policy",
                                    conversation=conversation, category=answer.category, queue=answer.queue)
        await asyncio.to_thread(self.desk.open, request)

    async def thread_escalated(self, surface: str, conversation: dict[str, str]) -> bool:
        """Whether a person has this thread (an open or claimed ticket): the bot then stays out of it."""
        if self.desk is None:
            return False
        return await asyncio.to_thread(self.desk.active_in_thread, surface, conversation)

    async def status(self) -> IndexStatus:
        def read() -> IndexStatus:
            store = self.runtime.store
            model = store.meta("embed_model")
            return IndexStatus(documents=store.count_documents(), chunks=store.count_chunks(),
                               sources=store.last_runs(), model=json.loads(model)["model"] if model else None)

        status = await asyncio.to_thread(read)
        status.reindex = self.reindexer.current
        return status
