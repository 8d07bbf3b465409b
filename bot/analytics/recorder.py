"""Recording questions: one call per question from the chat flow, never from `kb ask` or `kb eval`.

The flow (`bot.conversation.flow.handle_question`) ends every question in an `Outcome` and hands it
to `ChatServices.record_outcome`, which turns it into a `QuestionEvent` for `record`; feedback and
"ask a person" reach `feedback` and `asked_person` through `ChatServices` too. No surface records.

What is kept is chosen for the people who write the runbooks, not for watching people: the asker
becomes an HMAC of their id under a key (distinct askers can be counted, nobody can be looked up
without the key), a crisis message is counted with its outcome but its text and embedding are
never written, and rows older than `KB_QUESTION_RETENTION_DAYS` are deleted. Recording must never
cost an answer: every failure here is logged and swallowed by the caller (`ChatServices`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import structlog

from bot.answer.model import Answer
from bot.config import Settings
from bot.index.embedding import Embedder
from bot.policy.policy_file import PolicyFile
from bot.policy.rules import crisis_match
from bot.policy.signals import normalize
from bot.records.questions import ESCALATED, HELPFUL, NOT_HELPFUL, QuestionTable
from bot.records.tables import AppTables

log = structlog.get_logger(__name__)

KEY_META = "question_hash_key"
EARLY = 1000
"""Verdicts kept in memory for answers whose question is not written yet (a click within milliseconds)."""


@dataclass(frozen=True)
class QuestionEvent:
    """One question the chat flow answered, escalated or found nothing for: what `record` is given."""

    surface: str
    asker: str
    """The platform's user id; only its keyed hash is stored."""
    direct: bool
    """Asked in a direct message / personal chat (else in a channel, thread or group chat)."""
    answer: Answer
    outcome: str
    """"answered", "not_found" or "escalated" (the flow's `Outcome.kind`)."""
    seconds: float
    """From the flow's start of the answer to the reply being posted."""
    answer_id: str | None = None
    """The id feedback and "ask a person" will carry; None: a fresh one."""


class QuestionRecorder:
    def __init__(self, settings: Settings, records: AppTables, policy: PolicyFile,
                 embedder: Callable[[], Embedder] | None = None) -> None:
        """`embedder` is called only when a question is recorded (the model is loaded by then anyway)."""
        self.settings = settings
        self.questions = QuestionTable(records)
        self.records = records
        self.policy = policy
        self.embedder = embedder
        self._key: bytes | None = None
        self._lock = threading.Lock()
        self._early: dict[tuple[str, str], dict[str, object]] = {}
        """Feedback that arrived before its question's row (the row is written after the answer is posted)."""

    @property
    def enabled(self) -> bool:
        return self.settings.record_questions

    # -- the chat flow's calls ------------------------------------------------------------------
    def record(self, event: QuestionEvent) -> str | None:
        """Store one question; its id (the answer id when given), or None with recording off."""
        if not self.enabled:
            return None
        answer, outcome = event.answer, event.outcome
        withheld = self.is_crisis(answer.question, answer.category)
        vector = None
        if not withheld and outcome != ESCALATED and self.embedder is not None:
            try:  # grouping gaps needs it later; a failed embedding only costs that question its topic
                vector = self.embedder().embed_queries([answer.question])[0].tolist()
            except Exception as error:
                log.warning("questions.embed_failed", error_type=type(error).__name__)
        row = {"id": event.answer_id or uuid.uuid4().hex[:16], "at": datetime.now(timezone.utc),
               "surface": event.surface, "place": "dm" if event.direct else "channel",
               "asker": self.asker_hash(event.surface, event.asker), "question": "" if withheld else answer.question,
               "withheld": withheld, "outcome": outcome, "category": answer.category, "queue": answer.queue,
               "generated": answer.generated, "doc_ids": answer.cited_documents(), "seconds": float(event.seconds),
               "feedback": None, "asked_person": False, "vector": vector}
        with self._lock:
            row.update(self._early.pop((event.surface, row["id"]), {}))
            self.questions.add([row])
        log.info("questions.recorded", outcome=outcome, surface=event.surface, withheld=withheld)
        return row["id"]

    def feedback(self, surface: str, answer_id: str, helpful: bool) -> bool:
        """The latest verdict on an answer (a changed mind overwrites); False when its question isn't recorded."""
        return self._judge(surface, answer_id, {"feedback": HELPFUL if helpful else NOT_HELPFUL})

    def asked_person(self, surface: str, answer_id: str) -> bool:
        """The asker wanted a person after this answer: a gap, whether or not a queue took it."""
        return self._judge(surface, answer_id, {"asked_person": True})

    def _judge(self, surface: str, answer_id: str, values: dict[str, object]) -> bool:
        """Set `values` on the question of an answer, or keep them for it when it is not written yet.

        The lock orders this with `record`: a verdict either finds the row or is picked up by it.
        An answer with no recorded question (asked before recording began, or on another replica
        a moment ago) keeps a verdict only until EARLY newer ones push it out."""
        if not self.enabled:
            return False
        with self._lock:
            if self.questions.update(surface, answer_id, values):
                return True
            early = self._early.setdefault((surface, answer_id), {})
            early.update(values)
            while len(self._early) > EARLY:
                self._early.pop(next(iter(self._early)))
            return False

    # -- privacy --------------------------------------------------------------------------------
    def is_crisis(self, question: str, category: str | None) -> bool:
        """A crisis pattern, or a category the policy marks as crisis (mental health): text withheld."""
        config = self.policy.categories.get(category or "")
        return bool(config is not None and config.crisis) or crisis_match(normalize(question), self.policy)

    def asker_hash(self, surface: str, user: str) -> str:
        if not user:
            return ""
        digest = hmac.new(self.key(), f"{surface}:{user}".encode(), hashlib.sha256).hexdigest()
        return digest[:32]

    def key(self) -> bytes:
        """KB_QUESTION_HASH_KEY, else a random key made once and kept in the index database.

        The key is an app record (`app_meta`), so `kb sync --rebuild` keeps it and asker counts stay
        comparable. With the key in the database, whoever can read the database and guess a user id can test it;
        a key from a secret store keeps the hashes opaque even to them.
        """
        if self._key is None:
            with self._lock:
                if self._key is None:
                    configured = self.settings.question_hash_key
                    if configured is not None:
                        self._key = configured.get_secret_value().encode()
                    else:
                        stored = self.records.meta(KEY_META)
                        if stored is None:
                            self.records.set_meta(KEY_META, secrets.token_hex(32))
                            stored = self.records.meta(KEY_META)  # a replica that wrote first wins
                        self._key = bytes.fromhex(str(stored))
        return self._key

    # -- retention ------------------------------------------------------------------------------
    def purge(self, now: datetime | None = None) -> int:
        """Delete questions past KB_QUESTION_RETENTION_DAYS and compact the table; how many went.

        Runs daily in `kb serve` (bot/scheduler.py), whether or not recording is on, so turning it
        off never keeps what was recorded before for longer than promised.
        """
        cutoff = (now or datetime.now(timezone.utc)) - timedelta(days=self.settings.question_retention_days)
        gone = self.questions.delete_before(cutoff)
        try:
            self.questions.compact()
        except Exception as error:  # housekeeping only: a write at that moment (a click) wins, tomorrow compacts
            log.warning("questions.compact_skipped", error_type=type(error).__name__, error=str(error)[:300])
        log.info("questions.purged", rows=gone, retention_days=self.settings.question_retention_days)
        return gone
