"""Remembering which deliveries were already handled, so a retried event never gets a second answer.

Slack redelivers an event when its 3-second ack is late or lost, and a restart in between must not
forget: the claims live in the shared database, as an app record (one table, `seen_events`), with a small in-memory
set in front that answers the common case (a retry seconds later) without a write. A claim is
made on receipt, so delivery is at most once: a crash mid-answer loses that answer rather than
risking two. Replicas sharing the index see each other's claims (each claim reads the table's newest
version); two claims of one key in the same instant on two replicas can still both win.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime, timedelta, timezone

import pyarrow as pa
import structlog

from bot.records.tables import AppTables, quote

log = structlog.get_logger(__name__)

TABLE = "seen_events"
SCHEMA = pa.schema([("key", pa.string()), ("seen_at", pa.timestamp("us", tz="UTC"))])


class SeenEvents:
    def __init__(self, store: AppTables, *, keep: timedelta = timedelta(days=2), memory: int = 10_000,
                 prune_every: int = 1_000) -> None:
        self.store = store
        self.keep = keep
        self.memory = memory
        self.prune_every = prune_every
        self._recent: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()
        self._claims = 0

    def first_time(self, key: str) -> bool:
        """Claim `key`; True only for the first claim ever made (by this or an earlier process)."""
        with self._lock:
            if key in self._recent:
                return False
            # The newest version: a replica sharing the index may have claimed the key since we last read.
            row = [{"key": key, "seen_at": datetime.now(timezone.utc)}]
            result = self.store.write(TABLE, SCHEMA, lambda table: table.merge_insert("key")
                                      .when_not_matched_insert_all().execute(row), latest=True)
            self._recent[key] = None
            while len(self._recent) > self.memory:
                self._recent.popitem(last=False)
            self._claims += 1
            if self._claims % self.prune_every == 0:
                self._prune(self.store.table(TABLE))
            return result.num_inserted_rows > 0

    def forget(self, key: str) -> None:
        """Give a claim back (its work failed and may be tried again)."""
        with self._lock:
            self._recent.pop(key, None)
            self.store.write(TABLE, None, lambda table: None if table is None else table.delete(f"key = {quote(key)}"))

    def _prune(self, table) -> None:  # noqa: ANN001 - a LanceDB table
        """Slack retries within minutes; claims older than `keep` only cost space."""
        cutoff = (datetime.now(timezone.utc) - self.keep).strftime("%Y-%m-%dT%H:%M:%S")
        try:
            table.delete(f"seen_at < timestamp {quote(cutoff)}")
            table.optimize()
        except Exception as error:  # pruning is housekeeping: never fail a delivery over it
            log.warning("dedupe.prune_failed", error=str(error))
