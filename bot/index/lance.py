"""One LanceDB database, opened once: tables by name, created on first use, and a key-value table.

The index (`bot.index.store.Store`) and the app's own records (`bot.records.tables.AppTables`) keep
their tables in the same database, so a deployment has one thing to back up and one URI to share: a
folder for the embedded default, or an object-store URI (s3://, gs://, az://) when several replicas
read the same index. Each opens it through this class and owns its own tables.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

import lancedb
import pyarrow as pa

KEY_VALUE = pa.schema([("key", pa.string()), ("value", pa.string())])


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
        self.db = lancedb.connect(uri, read_consistency_interval=interval)
        self._tables: dict[str, Any] = {}

    def table(self, name: str, schema: pa.Schema | None = None, *, latest: bool = False) -> Any:
        """Open a table, creating it empty with `schema` when it does not exist yet.

        An open table keeps reading the version it last saw until the connection's read-consistency
        interval has passed (see __init__), so another process's writes reach it seconds late:
        `latest` moves it to the newest committed version first, for state that replicas share and
        act on at once, claims and dedupe (one more small read of the table's versions).
        """
        if name not in self._tables:
            if name in self.db.list_tables().tables:
                self._tables[name] = self.db.open_table(name)
            elif schema is None:
                return None
            else:
                self._tables[name] = self.db.create_table(name, schema=schema, exist_ok=True)
        elif latest:
            self._tables[name].checkout_latest()
        return self._tables[name]

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
        self.table(self.meta_table, KEY_VALUE).merge_insert("key").when_matched_update_all() \
            .when_not_matched_insert_all().execute([{"key": key, "value": value}])
