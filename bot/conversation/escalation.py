"""The hook from "not helpful" to a person: surfaces call `Escalator.escalate`, queues implement it.

The human queues (private channels, ticket lifecycle) are their own piece of work; until they
exist, `NoQueues` answers honestly that nothing was passed on and where to ask instead. A surface
never needs to know which implementation it is talking to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import structlog

log = structlog.get_logger(__name__)

OFFER = "Sorry that didn't help. Should I pass your question to a person?"
"""What a surface offers after "not helpful" (Slack privately, Teams on the answer card)."""
ALREADY_PASSED = "I've already passed this question to a person; they'll follow up with you privately."
NOT_THE_ASKER = ("Only the person who asked this question can pass it to a person. If you need help with it too, "
                 "ask me yourself and I'll answer you.")


@dataclass(frozen=True)
class EscalationRequest:
    """A user asks for a person after an answer did not help."""

    surface: str
    user: str
    question: str
    answer: str
    doc_ids: list[str] = field(default_factory=list)
    reason: str = "not_helpful"
    conversation: dict[str, str] = field(default_factory=dict)
    """Where to reach the user again (surface-specific: channel and thread for Slack)."""
    category: str | None = None
    """The regulated category when the policy escalated the question (reason "policy"); None otherwise."""
    queue: str | None = None
    """The queue key the policy chose; None lets the escalation desk pick (category's queue or the default)."""
    answer_id: str | None = None
    """The answer a "not helpful" escalation is about: one ticket per answer and person, however often they click."""

    @property
    def once_key(self) -> str | None:
        """The delivery key that makes this escalation once-only (None: nothing to tell repeats by)."""
        return f"escalation:{self.surface}:{self.answer_id}:{self.user}" if self.answer_id else None


@dataclass(frozen=True)
class EscalationOutcome:
    accepted: bool
    message: str
    """Told to the user as is."""
    ticket_id: str | None = None
    queue: str | None = None


class Escalator(Protocol):
    def escalate(self, request: EscalationRequest) -> EscalationOutcome: ...


class NoQueues:
    """No human queues configured yet: say so, and point at the help channels."""

    def escalate(self, request: EscalationRequest) -> EscalationOutcome:
        log.info("escalation.unconfigured", surface=request.surface, reason=request.reason)
        return EscalationOutcome(
            accepted=False,
            message="I can't hand questions to a person yet (no help queues are set up). "
                    "Please ask in #it-help or #people-ops and mention what you were looking for.",
        )
