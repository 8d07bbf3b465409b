"""Recent questions per conversation, for platforms whose threads a bot cannot read back.

Slack gives the bot `conversations.replies`; Teams gives a bot no thread-history call with its
usual permissions. So the Teams surface remembers, per thread (a channel thread, or a personal
chat as a whole), the last few questions it answered there and passes them as `history` to the
answer core, which needs only the people's words ("and for contractors?" means little alone; the
bot's own long answers would drown the follow-up in the retrieval query, so they are not kept).

Kept in the shared database as an app record (table `conversation_memory`), beside tickets, feedback and seen
events, so a restart or another replica on the same index still knows the thread: one row per
thread holding its last `turns` questions, none older than `ttl` seconds (older ones are skipped
on read, and rows idle for `ttl` are deleted every `prune_every` writes, which also compacts the
table so reads stay a few milliseconds). Escalated questions are never remembered: the surface
does not call `remember` for them.

Losing a question costs a follow-up its context, never its answer: every read or write that
fails is logged and treated as "nothing remembered". Two replicas answering in the same thread at
the same moment can each write the row, and the later write wins (one question is forgotten).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pyarrow as pa
import structlog

from bot.records.tables import AppTables, quote

log = structlog.get_logger(__name__)

TABLE = "conversation_memory"
SCHEMA = pa.schema(
    [
        ("key", pa.string()),
        ("turns", pa.string()),
        ("updated_at", pa.timestamp("us", tz="UTC")),
    ]
)
"""`turns` is a JSON list of [seconds since the epoch, question], oldest first."""

Turn = tuple[float, str]


class ConversationMemory:
    def __init__(self, store: AppTables, *, turns: int = 6, ttl: float = 3600.0, prune_every: int = 20,
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.turns = turns
        self.ttl = ttl
        self.prune_every = prune_every
        self.clock = clock
        """Wall-clock seconds (rows outlive the process); tests pass their own to expire turns without sleeping."""
        self._lock = threading.Lock()
        self._writes = 0

    def remember(self, key: str, question: str) -> None:
        """Record a question answered in thread `key` (after it was answered)."""
        if self.turns <= 0 or not question.strip():
            return
        try:
            with self._lock:  # one read-modify-write per thread at a time in this process
                now = self.clock()
                kept = [*self._read(key, now), (now, question)][-self.turns:]
                row = {"key": key, "turns": json.dumps(kept), "updated_at": datetime.fromtimestamp(now, timezone.utc)}
                self.store.upsert(TABLE, SCHEMA, "key", pa.Table.from_pylist([row], schema=SCHEMA))
                self._writes += 1
        except Exception as error:  # a forgotten question costs context, not the answer
            log.warning("memory.write_failed", error_type=type(error).__name__, error=str(error)[:300])
            return
        if self._writes % self.prune_every == 0:
            self._prune(now)

    def recent(self, key: str) -> list[str]:
        """The thread's remembered questions, oldest first, without the expired ones."""
        if self.turns <= 0:
            return []
        try:
            return [question for _, question in self._read(key, self.clock())]
        except Exception as error:
            log.warning("memory.read_failed", error_type=type(error).__name__, error=str(error)[:300])
            return []

    def _table(self, *, latest: bool = False) -> Any:  # a LanceDB table
        return self.store.table(TABLE, SCHEMA, latest=latest)

    def _read(self, key: str, now: float) -> list[Turn]:
        """The stored turns still within the TTL; the newest version, since another replica may have written."""
        rows = self._table(latest=True).search().where(f"key = {quote(key)}").limit(1).to_list()
        if not rows:
            return []
        horizon = now - self.ttl
        turns = [(float(at), str(question)) for at, question in json.loads(rows[0]["turns"] or "[]")]
        return [turn for turn in turns if turn[0] >= horizon][-self.turns:]

    def _prune(self, now: float) -> None:
        """Delete threads idle for longer than the TTL, then compact (each write adds a small file).

        Old table versions still hold deleted questions; LanceDB keeps them a week by default, so
        they are cleaned up after the TTL instead: no question stays in the database much past it.
        """
        cutoff = datetime.fromtimestamp(now - self.ttl, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
        try:
            self.store.write(TABLE, SCHEMA, lambda table: table.delete(f"updated_at < timestamp {quote(cutoff)}"))
            self._table().optimize(cleanup_older_than=timedelta(seconds=max(self.ttl, 1.0)))
        except Exception as error:  # housekeeping: the next prune tries again
            log.warning("memory.prune_failed", error_type=type(error).__name__, error=str(error)[:300])
