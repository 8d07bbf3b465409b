"""Regulated-topic policy: which questions go to people instead of the runbooks.

The answer core asks the policy first, before any retrieval. This package holds the contract; the
classifier and the queues plug in behind it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Decision:
    """A regulated question: which category, which human queue, and what the asker is told."""

    category: str
    queue: str
    reply: str
    crisis: bool = False


class Policy(Protocol):
    def classify(self, question: str, earlier: Sequence[str] = ()) -> Decision | None:
        """The decision for a regulated question, None for one the runbooks may answer; `earlier` holds the
        asker's earlier messages in the thread, oldest first (a follow-up may mean little alone)."""
        ...


class AnswerEverything:
    """No regulated topics: every question goes to retrieval."""

    def classify(self, question: str, earlier: Sequence[str] = ()) -> Decision | None:
        return None
