"""One LanceDB database, opened once: tables by name, created on first use, and a key-value table.

The index (`bot.index.store.Store`) and the app's own records (`bot.records.tables.AppTables`) keep
their tables in the same database, so a deployment has one thing to back up and one URI to share: a
folder for the embedded default, or an object-store URI (s3://, gs://, az://) when several replicas
read the same index. Each opens it through this class and owns its own tables.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any, TypeVar

import lancedb
import pyarrow as pa
import structlog

log = structlog.get_logger(__name__)

KEY_VALUE = pa.schema([("key", pa.string()), ("value", pa.string())])
CREATE_LOCK_FILE = ".create.lock"
COMMIT_TRIES = 5
"""Tries in all for a write that keeps losing commit races (each after the first on the newest version)."""

METADATA_CACHE_MB = 64
"""LanceDB's cache of table metadata (manifests, fragment and file metadata), per connection. Its default
(1 GB) bounds it far past what a sync needs: a sync commits two versions a batch, each cached with its
list of fragments, so the cache grows faster than the corpus (129 MB over 16,000 documents) and the
sync's memory with it. At 64 MB that part of a sync's memory stops growing, and searches at 100k and 1M
chunks are as fast (README). The index cache (vector partitions, posting lists), which searches reuse,
keeps LanceDB's default."""

T = TypeVar("T")
_creating: dict[tuple[str, str], threading.Lock] = {}
"""One lock per (database, table) for every `Database` in the process; `_creating_guard` guards the dict."""
_creating_guard = threading.Lock()


def quote(value: str) -> str:
    """A SQL string literal for LanceDB filters."""
    return "'" + value.replace("'", "''") + "'"


class Database:
    meta_table = "meta"
    """The key-value table `meta` and `set_meta` use."""

    def __init__(self, uri: str, read_consistency: float | None = 5.0) -> None:
        """`read_consistency`: seconds a table handle may serve its version before it looks for a
        newer one. The bot keeps its handles open for speed, and LanceDB's default (None) never
        looks again, so a `kb sync` in another process, or the writer replica's nightly sync, would
        stay invisible (old text, old access lists) until a restart. 0 looks on every read; None
        never (a process that is the only writer)."""
        self.uri = uri
        if "://" not in uri:
            os.makedirs(uri, exist_ok=True)
        interval = None if read_consistency is None else timedelta(seconds=read_consistency)
        session = lancedb.Session(metadata_cache_size_bytes=METADATA_CACHE_MB << 20)
        self.db = lancedb.connect(uri, read_consistency_interval=interval, session=session)
        self._tables: dict[str, Any] = {}

    def table(self, name: str, schema: pa.Schema | None = None, *, latest: bool = False) -> Any:
        """Open a table, creating it empty with `schema` when it does not exist yet.

        An open table keeps reading the version it last saw until the connection's read-consistency
        interval has passed (see __init__), so another process's writes reach it seconds late:
        `latest` moves it to the newest committed version first, for state that replicas share and
        act on at once, claims and dedupe (one more small read of the table's versions).
        """
        table = self._tables.get(name)  # one read: a sync's `refresh` in another thread may drop the entry
        if table is None:
            table = self._open(name) if schema is None else self._create(name, schema)
            if table is None:
                return None
            self._tables[name] = table
        elif latest:
            table.checkout_latest()
        return table

    def refresh(self) -> None:
        """Move every open table to its newest committed version.

        What a sync reads before it writes (which documents the index holds, which chunks lack sentence
        vectors, which key indexes exist) must include what another process committed a moment ago: a
        handle opened before that sync finished would serve its old version for the read-consistency
        interval, and the sync would add every document again and lose its commits to conflicts."""
        for name, table in list(self._tables.items()):
            try:
                table.checkout_latest()
            except (RuntimeError, OSError, ValueError):  # dropped elsewhere ("Not found"): reopened or made anew
                del self._tables[name]

    def _create(self, name: str, schema: pa.Schema) -> Any:
        """Create the table empty unless someone else has, one creator at a time.

        LanceDB cannot do this alone: `create_table` (with or without `exist_ok`) checks that the
        table is absent and later commits an Overwrite, which LanceDB lets through on top of whatever
        was committed in between, so two connections creating at once both commit, and rows written
        after the first creation fail or are erased by the second (measured in
        tests/core/test_table_creation_race.py). Hence the lock around check and create: a thread
        lock for every `Database` in this process, plus an flock in a local folder for other
        processes on it. Object-store replicas have no such lock (docs/deployment.md).
        """
        with _one_creator(self.uri, name):
            table = self._open(name)
            if table is not None:
                return table
            try:
                return self.db.create_table(name, schema=schema)
            except Exception:  # "already exists", or a lost race: a replica created it; that one is kept
                table = self._open(name)
                if table is None:
                    raise
                return table

    def _open(self, name: str) -> Any | None:
        """The table, or None while it does not exist: also while another connection is creating it, whose
        folder is listed before its first version is committed (opening it then says "not found")."""
        if name not in self.db.list_tables().tables:
            return None
        try:
            return self.db.open_table(name)
        except ValueError:
            return None

    def write(self, name: str, schema: pa.Schema | None, change: Callable[[Any], T], *, latest: bool = False) -> T:
        """`change(table)`, made again on the table's newest version if it lost a commit race.

        LanceDB commits optimistically and merges most concurrent writes itself; one it cannot
        merge (a write against a table created anew meanwhile, by a replica without our lock)
        fails whole, having written nothing, so making it again is safe. Every app-record write
        goes through here. `schema` None: the table is not created, and `change` gets None.
        """
        for attempt in range(1, COMMIT_TRIES + 1):
            table = self.table(name, schema, latest=latest or attempt > 1)
            try:
                return change(table)
            except Exception as error:
                if attempt == COMMIT_TRIES or not lost_commit_race(error):
                    raise
                log.info("lance.commit_retried", table=name, attempt=attempt, error=str(error)[:200])
        raise AssertionError("unreachable")

    def drop(self, names: tuple[str, ...]) -> None:
        """Delete these tables (those that exist) and forget every open handle."""
        for name in names:
            if name in self.db.list_tables().tables:
                self.db.drop_table(name)
        self._tables.clear()

    def meta(self, key: str) -> str | None:
        rows = self.table(self.meta_table, KEY_VALUE).search().where(f"key = {quote(key)}").limit(1).to_list()
        return rows[0]["value"] if rows else None

    def set_meta(self, key: str, value: str) -> None:
        self.upsert(self.meta_table, KEY_VALUE, "key", [{"key": key, "value": value}])

    def upsert(self, name: str, schema: pa.Schema, key: str, rows: Any, *, latest: bool = False) -> Any:
        """Insert `rows` (a pyarrow table or a list of dicts), replacing those with the same `key`, via `write`."""
        return self.write(name, schema, lambda table: table.merge_insert(key).when_matched_update_all()
                          .when_not_matched_insert_all().execute(rows), latest=latest)


def lost_commit_race(error: Exception) -> bool:
    """LanceDB's words for a commit that a concurrent one made impossible (nothing of it was written)."""
    text = str(error)
    return any(words in text for words in ("Incompatible transaction", "Retryable commit conflict",
                                           "Commit conflict", "concurrent transaction"))


@contextmanager
def _one_creator(uri: str, name: str) -> Iterator[None]:
    """Held while a table is checked for and created: by one thread of this process, and by one
    process on a local folder (the flock is released when its file is closed)."""
    with _creating_guard:
        lock = _creating.setdefault((os.path.abspath(uri) if "://" not in uri else uri, name), threading.Lock())
    with lock:
        if "://" in uri:
            yield
            return
        import fcntl

        with open(os.path.join(uri, CREATE_LOCK_FILE), "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield
