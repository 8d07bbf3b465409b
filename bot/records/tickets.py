"""Escalation tickets, an app record in the shared database, so a restart or a second replica loses none.

A ticket is the one record of an escalation: who asked, where (to reach them again and to keep
the bot quiet in that thread), the question (which only its queue channel ever sees), which queue
has it, and its lifecycle open → claimed → resolved with who and when. The queue posts made for
it are kept too, so claiming from any of them (the first post or a reminder) updates them all.
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Any

import pyarrow as pa

from bot.records.tables import AppTables, quote

TABLE = "escalations"
OPEN, CLAIMED, RESOLVED = "open", "claimed", "resolved"
SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("status", pa.string()),
        ("category", pa.string()),
        ("queue", pa.string()),
        ("reason", pa.string()),
        ("surface", pa.string()),
        ("user", pa.string()),
        ("thread_key", pa.string()),
        ("conversation", pa.string()),
        ("link", pa.string()),
        ("question", pa.string()),
        ("posts", pa.string()),
        ("created_at", pa.timestamp("us", tz="UTC")),
        ("claimed_by", pa.string()),
        ("claimed_at", pa.timestamp("us", tz="UTC")),
        ("resolved_by", pa.string()),
        ("resolved_at", pa.timestamp("us", tz="UTC")),
        ("reminded_at", pa.timestamp("us", tz="UTC")),
    ]
)


def thread_key(surface: str, conversation: dict[str, str]) -> str:
    """One string per chat thread: what "is this thread escalated?" looks up."""
    return ":".join([surface, conversation.get("channel", ""), conversation.get("thread_ts", "")])


@dataclass(frozen=True)
class QueuePost:
    """One message about a ticket in a queue channel (surface-specific ids)."""

    surface: str
    channel: str
    ts: str


@dataclass(frozen=True)
class Ticket:
    id: str
    status: str
    category: str | None
    queue: str
    reason: str
    surface: str
    user: str
    conversation: dict[str, str]
    question: str
    created_at: datetime
    link: str = ""
    posts: tuple[QueuePost, ...] = ()
    claimed_by: str | None = None
    claimed_at: datetime | None = None
    resolved_by: str | None = None
    resolved_at: datetime | None = None
    reminded_at: datetime | None = None

    @classmethod
    def new(cls, *, category: str | None, queue: str, reason: str, surface: str, user: str,
            conversation: dict[str, str], question: str, link: str = "") -> Ticket:
        return cls(id=uuid.uuid4().hex[:12], status=OPEN, category=category, queue=queue, reason=reason, surface=surface,
                   user=user, conversation=dict(conversation), question=question, created_at=datetime.now(timezone.utc),
                   link=link)

    def to_row(self) -> dict[str, Any]:
        row = asdict(self)
        row["conversation"] = json.dumps(self.conversation)
        row["posts"] = json.dumps([asdict(post) for post in self.posts])
        row["thread_key"] = thread_key(self.surface, self.conversation)
        row["category"] = self.category or ""
        return row

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Ticket:
        data = {name: row.get(name) for name in cls.__dataclass_fields__}
        data["conversation"] = json.loads(row.get("conversation") or "{}")
        data["posts"] = tuple(QueuePost(**post) for post in json.loads(row.get("posts") or "[]"))
        data["category"] = row.get("category") or None
        return cls(**data)

    def to_json(self, *, with_question: bool = False) -> dict[str, Any]:
        """The `kb escalations --json` shape; the question only when asked for (it is private)."""
        data = {"id": self.id, "status": self.status, "category": self.category, "queue": self.queue,
                "reason": self.reason, "surface": self.surface, "user": self.user, "link": self.link,
                "created_at": _iso(self.created_at), "claimed_by": self.claimed_by, "claimed_at": _iso(self.claimed_at),
                "resolved_by": self.resolved_by, "resolved_at": _iso(self.resolved_at),
                "reminded_at": _iso(self.reminded_at)}
        if with_question:
            data["question"] = self.question
        return data


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when else None


class TicketStore:
    """Reads and writes tickets; one lock so claim and resolve are decided one at a time in a process."""

    def __init__(self, store: AppTables) -> None:
        self.store = store
        self.lock = threading.RLock()

    @property
    def table(self) -> Any:
        return self.store.table(TABLE, SCHEMA, latest=True)  # a claim made on another replica counts here at once

    def save(self, ticket: Ticket) -> Ticket:
        self.store.upsert(TABLE, SCHEMA, "id", pa.Table.from_pylist([ticket.to_row()], schema=SCHEMA),
                          latest=True)  # a claim made on another replica counts here at once
        return ticket

    def get(self, ticket_id: str) -> Ticket | None:
        rows = self.table.search().where(f"id = {quote(ticket_id)}").limit(1).to_list()
        return Ticket.from_row(rows[0]) if rows else None

    def list(self, status: str | None = None) -> list[Ticket]:
        query = self.table.search()
        if status:
            query = query.where(f"status = {quote(status)}")
        tickets = [Ticket.from_row(row) for row in query.limit(None).to_list()]
        return sorted(tickets, key=lambda ticket: ticket.created_at)

    def active_in_thread(self, surface: str, conversation: dict[str, str]) -> Ticket | None:
        """An open or claimed ticket for this thread: while one exists the bot stays out of it."""
        key = thread_key(surface, conversation)
        rows = (self.table.search().where(f"thread_key = {quote(key)} AND status IN ('{OPEN}', '{CLAIMED}')")
                .limit(1).to_list())
        return Ticket.from_row(rows[0]) if rows else None

    def due_for_reminder(self, now: datetime, after: timedelta) -> list[Ticket]:
        """Open tickets unclaimed for `after` since they were opened or last re-posted."""
        return [ticket for ticket in self.list(OPEN) if (ticket.reminded_at or ticket.created_at) <= now - after]


def with_posts(ticket: Ticket, posts: list[QueuePost]) -> Ticket:
    return replace(ticket, posts=(*ticket.posts, *posts))
