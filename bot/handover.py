"""What a hand-over to a person is, shared by the policy (which opens tickets) and the conversation.

A request says who asked what, where to reach them and why; an outcome says whether a person has
it and what to tell the asker. Both sit below `bot.policy` and `bot.conversation` so the escalation
desk implements `Escalator` and the chat flow calls it without either importing the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


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
